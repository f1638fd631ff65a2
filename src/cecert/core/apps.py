from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "cecert.core"
    label = "core"
    verbose_name = "公共组件"

    def ready(self) -> None:
        from cecert.core.network import check_trusted_proxies
        from cecert.core.scheduler import register_job

        checks.register(check_trusted_proxies, checks.Tags.security)
        register_job("prune", "15 3 * * *", "cecert.core.jobs.prune_task", "清理过期会话和已完成的后台任务记录")
        register_job(
            "ensure_partitions", "45 3 * * *", "cecert.core.jobs.ensure_partitions_task", "预建今后两年的年度分区"
        )
