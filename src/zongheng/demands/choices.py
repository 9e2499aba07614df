from django.db import models


class Status(models.TextChoices):
    RECEIVED = "received", "已受理"
    ASSIGNED = "assigned", "已派单"
    ACCEPTED = "accepted", "已接单"
    IN_PROGRESS = "in_progress", "办理中"
    ANSWERED = "answered", "已答复"
    RATED = "rated", "已评价"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS)
FINAL_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)


class Urgency(models.TextChoices):
    URGENT = "urgent", "紧急"
    NORMAL = "normal", "一般"
    COMPLEX = "complex", "复杂"


class Channel(models.TextChoices):
    WEB = "web", "网上提交"
    STATION = "station", "民心驿站"
    PHONE = "phone", "电话"
    LISTENING = "listening", "每月一听"
    VISIT = "visit", "民情日记"
    API = "api", "接口"
    OPEN311 = "open311", "Open311"


class Clock(models.TextChoices):
    WORKING = "working", "工作时间"
    NATURAL = "natural", "自然时间"
