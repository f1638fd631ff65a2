from django.apps import AppConfig


class CatalogsConfig(AppConfig):
    name = "cecert.catalogs"
    label = "catalogs"
    verbose_name = "目录、继续教育基地与批量导入"

    def ready(self) -> None:
        from cecert.core.scheduler import register_job

        register_job(
            "prune_api_records",
            "25 3 * * *",
            "cecert.catalogs.tasks.prune_api_records_task",
            "清理对接接口的过期随机数和幂等记录",
        )
        register_job(
            "resume_interrupted_imports",
            "*/15 * * * *",
            "cecert.catalogs.tasks.resume_interrupted_imports_task",
            "文件存储恢复后，继续因存储不可用而中断的批量导入",
        )
