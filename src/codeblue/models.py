"""Every domain's tables, imported in one place so metadata and migrations see them all."""

from codeblue.alerts.heartbeats import Heartbeat
from codeblue.alerts.models import Alert, Delivery, Integration
from codeblue.engine.models import Timer
from codeblue.notify.models import Notification
from codeblue.oncall.models import (
    ContactMethod,
    Escalation,
    EscalationPolicy,
    NamedContact,
    NotificationRule,
    Schedule,
    ScheduleOverride,
    ServicePolicy,
)
from codeblue.auth.models import ApiToken, SignInThrottle, User, WebSession
from codeblue.catalog.models import Service
from codeblue.incidents.models import DaySequence, Incident, IncidentRole, TimelineEntry

__all__ = ["ContactMethod", "Escalation", "EscalationPolicy", "NamedContact", "Notification", "NotificationRule",
           "Schedule", "ScheduleOverride", "ServicePolicy", "Alert", "Delivery", "Heartbeat", "Integration", "Timer", "ApiToken", "DaySequence", "Incident", "IncidentRole", "Service", "SignInThrottle", "TimelineEntry", "User", "WebSession"]
