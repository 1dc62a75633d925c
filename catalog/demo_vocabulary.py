"""Words the demo catalogue (catalog/demo.py) builds its names and texts from. Synthetic: every
provider, product and project named here is invented for the demo province."""

from __future__ import annotations

CITY_SHORT = {
    "3201": "南京", "3202": "无锡", "3203": "徐州", "3204": "常州", "3205": "苏州",
    "3206": "南通", "3207": "连云港", "3208": "淮安", "3209": "盐城", "3210": "扬州",
    "3211": "镇江", "3212": "泰州", "3213": "宿迁",
}  # fmt: skip

NAME_CORES = (
    "智造", "数联", "精工", "云启", "慧控", "博远", "易联", "恒信", "天工", "睿思", "启明", "汇智",
    "凌云", "卓越", "新拓", "鼎力", "华誉", "中拓", "思源", "远航",
)  # fmt: skip
NAME_TRADES = (
    "信息技术", "智能装备", "软件", "自动化", "数字科技", "工业互联网", "网络技术", "节能科技",
    "检测技术", "智能制造咨询",
)  # fmt: skip

QUALIFICATIONS = (
    "智能制造系统解决方案供应商", "工业互联网平台服务商", "高新技术企业", "专精特新中小企业",
    "ISO 9001 质量管理体系认证", "CMMI 三级", "信息系统建设和服务能力 CS2",
    "两化融合管理体系贯标咨询服务机构", "网络安全等级保护测评机构", "江苏省智能制造领军服务机构",
    "江苏省星级上云服务商", "DCMM 数据管理能力成熟度评估机构",
)  # fmt: skip

# (GB/T 4754-2017 division, the short name used in titles)
INDUSTRIES = (
    ("13", "农副食品加工"), ("14", "食品"), ("17", "纺织"), ("18", "纺织服装"), ("22", "造纸"),
    ("26", "化工"), ("27", "医药"), ("28", "化学纤维"), ("29", "橡胶和塑料制品"), ("30", "建材"),
    ("31", "钢铁"), ("32", "有色金属"), ("33", "金属制品"), ("34", "通用设备"), ("35", "专用设备"),
    ("36", "汽车零部件"), ("37", "船舶和轨道交通装备"), ("38", "电气机械"), ("39", "电子信息"),
    ("40", "仪器仪表"),
)  # fmt: skip

# Technique words per stage, for the solution texts.
TECHNIQUES = {
    "factory": ("工厂三维建模与仿真", "工业网关与边缘计算", "模块化产线设计", "数字化诊断评估"),
    "rnd": ("三维参数化设计", "多物理场仿真", "PLM 数据贯通", "工艺知识库"),
    "production": ("机器视觉", "先进过程控制", "协作机器人", "AGV 柔性物流"),
    "prod_mgmt": ("高级计划排程算法", "振动与温度监测", "一物一码追溯", "视频智能识别"),
    "operations": ("供应链协同平台", "WMS 与立体仓库", "客户画像", "远程运维平台"),
    "network": ("5G 工业专网", "工控安全防护", "工业互联网平台", "时间敏感网络"),
    "green": ("能源管理系统", "负荷优化调度", "碳排放核算模型", "分布式光伏与储能"),
    "data_ai": ("主数据治理", "数据中台", "行业大模型", "知识图谱"),
}
EFFECTS = (
    "生产效率提升", "产品不良率下降", "设备综合效率提升", "单位产品能耗下降", "交付周期缩短",
    "库存周转率提升", "运维成本下降",
)  # fmt: skip

# (software category, product name, scenario codes)
SOFTWARE = (
    ("rnd", "三维CAD设计平台", ("product-design",)),
    ("rnd", "CAE仿真分析软件", ("virtual-test",)),
    ("rnd", "PLM产品生命周期管理系统", ("rnd-knowledge", "product-design")),
    ("rnd", "CAPP工艺设计系统", ("process-design",)),
    ("control", "MES制造执行系统", ("process-control", "production-data")),
    ("control", "SCADA数据采集与监控系统", ("production-data", "digital-infrastructure")),
    ("control", "APS高级计划排程系统", ("smart-scheduling",)),
    ("control", "QMS质量管理系统", ("quality-traceability", "quality-analysis")),
    ("management", "ERP企业资源计划系统", ("business-management",)),
    ("management", "SRM供应商协同平台", ("supply-chain",)),
    ("management", "WMS仓储管理系统", ("smart-warehousing",)),
    ("management", "EMS能源管理系统", ("energy-monitoring", "energy-optimisation")),
    ("management", "CRM客户关系管理系统", ("precision-marketing",)),
    ("operations", "设备远程运维平台", ("remote-service",)),
    ("operations", "PHM设备健康管理系统", ("predictive-maintenance",)),
    ("operations", "工业安全态势感知平台", ("network-security",)),
    ("embedded", "工业实时操作系统", ("process-control",)),
    ("embedded", "PLC嵌入式运行时", ("process-control", "equipment-retrofit")),
    ("embedded", "边缘计算网关固件", ("digital-infrastructure",)),
    ("embedded", "伺服驱动控制软件", ("equipment-retrofit", "human-robot")),
)
EQUIPMENT = (
    ("六轴工业机器人", ("human-robot", "equipment-retrofit")),
    ("协作机器人", ("human-robot",)),
    ("五轴联动数控加工中心", ("equipment-retrofit", "line-reconfiguration")),
    ("光纤激光切割机", ("equipment-retrofit",)),
    ("AGV自动导引车", ("material-delivery",)),
    ("智能立体仓库", ("smart-warehousing",)),
    ("机器视觉检测设备", ("online-inspection",)),
    ("智能焊接工作站", ("human-robot", "line-reconfiguration")),
    ("在线光谱检测仪", ("online-inspection", "environment-monitoring")),
    ("伺服压力机", ("equipment-retrofit",)),
    ("智能输送分拣线", ("material-delivery", "smart-logistics")),
    ("设备状态监测传感器套件", ("predictive-maintenance",)),
)
NETWORK = (
    ("5G工业网关", ("industrial-network",)),
    ("工业以太网交换机", ("industrial-network", "digital-infrastructure")),
    ("TSN时间敏感网络交换机", ("industrial-network",)),
    ("工业PON设备", ("industrial-network",)),
    ("边缘计算服务器", ("digital-infrastructure", "platform-application")),
    ("工业防火墙", ("network-security",)),
    ("工业无线AP", ("industrial-network",)),
)
MODELS = (
    ("刀具寿命预测模型", ("predictive-maintenance",)),
    ("注塑工艺参数优化APP", ("process-design", "process-control")),
    ("设备故障知识图谱", ("predictive-maintenance", "ai-large-model")),
    ("能耗预测与优化模型", ("energy-optimisation",)),
    ("表面缺陷识别模型", ("online-inspection",)),
    ("排产优化算法组件", ("smart-scheduling",)),
    ("安全隐患识别模型", ("safety-monitoring",)),
    ("需求预测模型", ("supply-chain", "precision-marketing")),
    ("工艺知识问答大模型", ("ai-large-model", "rnd-knowledge")),
    ("碳排放核算APP", ("carbon-management",)),
)
TRAINING = (
    ("智能制造工程技术人员培训", ("digital-talent", "factory-planning")),
    ("工业互联网平台应用实训", ("platform-application", "digital-talent")),
    ("数字化车间班组长研修", ("digital-talent", "process-control")),
    ("工业数据分析师培训", ("data-governance", "digital-talent")),
    ("工业机器人运维实训", ("human-robot", "digital-talent")),
    ("工控网络安全实战培训", ("network-security", "digital-talent")),
    ("人工智能大模型应用培训", ("ai-large-model", "digital-talent")),
)
SHORTFALLS = (
    "高端数控系统", "高精度RV减速器", "工业机器人控制器", "高端MEMS传感器芯片", "工业实时数据库",
    "CAE求解器内核", "高端光刻胶", "高速精密轴承", "工业级FPGA芯片", "EDA全流程设计工具",
    "高精度伺服电机", "高端真空泵", "高速电主轴", "工业互联网标识解析二级节点设备",
    "高性能工业视觉镜头",
)  # fmt: skip
PROJECTS = (
    "大型盾构机", "重型燃气轮机部件", "海上风电安装平台", "高端数控机床", "大型LNG运输船配套装备",
    "氢燃料电池系统", "半导体刻蚀设备", "大型工程机械智能化", "特高压输变电装备",
    "高速列车关键部件", "医用影像设备", "锂电池智能产线装备", "工业母机关键功能部件",
    "智能农机装备", "大型压缩机组",
)  # fmt: skip
VERSIONS = ("V2.0", "V3.1", "V4.0", "V5.2", "V6.0", "V1.5")

# Scenarios that fit some industries only (GB/T 4754 divisions of INDUSTRIES): a solution or a
# typical scenario pairs them with these, so the demo lists no "食品虚拟试验与调试" or
# "汽车零部件生产过程智能控制". Scenarios not named here fit every industry.
DISCRETE = ("33", "34", "35", "36", "37", "38", "39", "40")
PROCESS = ("13", "14", "17", "22", "26", "27", "28", "29", "30", "31", "32")
FITTING_INDUSTRIES = {
    "virtual-test": DISCRETE, "remote-service": DISCRETE, "line-reconfiguration": (*DISCRETE, "18"),
    "human-robot": (*DISCRETE, "18", "29"), "mass-customisation": (*DISCRETE, "18"),
    "process-control": PROCESS, "environment-monitoring": PROCESS,
}  # fmt: skip
