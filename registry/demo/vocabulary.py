"""Vocabulary for fake names, titles, phone numbers, mailboxes and organisation codes (not claims
about the world, so kept in code rather than in data files)."""

from __future__ import annotations

TRADE_NAME_CHARS = (
    "恒华鑫瑞盛达通宏昌源泰博科力创新德远嘉利金海天鸿永信隆兴正凯锦润丰景明佳和安光联精宇"
    "诚威峰腾飞翔欣荣辉汇晟启航众邦赛奥艾普锐捷康尚优立亚"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶顾毛钱严戴"
)
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国文辉力斌宇浩凯鹏亮俊峰琳晨"
TITLES = ("总经理", "副总经理", "办公室主任", "信息化负责人", "生产部经理", "财务负责人")
PHONE_PREFIXES = ("13", "15", "17", "18", "19")
MAILBOX_CHARS = "abcdefghijkmnpqrstuvwxyz"
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I, O, S, V, Z)
