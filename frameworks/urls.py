from django.urls import path, register_converter

from frameworks import views


class CodeConverter:
    """A framework code as the file format allows it: upper case, so `import/` and `diff/` are
    never taken for one."""

    regex = "[A-Z][A-Z0-9-]{1,31}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class VersionConverter(CodeConverter):
    regex = "[0-9A-Za-z][0-9A-Za-z._-]{0,19}"


register_converter(CodeConverter, "framework_code")
register_converter(VersionConverter, "framework_version")

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("import/", views.framework_import_upload, name="import"),
    path("diff/<framework_code:code>/", views.version_diff, name="diff"),
    path("<framework_code:code>/<framework_version:version>/", views.version_detail, name="detail"),
    path(
        "<framework_code:code>/<framework_version:version>/export/",
        views.version_export,
        name="export",
    ),
    path(
        "<framework_code:code>/<framework_version:version>/publish/",
        views.version_publish,
        name="publish",
    ),
    path(
        "<framework_code:code>/<framework_version:version>/delete/",
        views.version_delete_draft,
        name="delete-draft",
    ),
]
