"""Every domain's tables, imported in one place so metadata and migrations see them all."""

from codeblue.alerts.heartbeats import Heartbeat
from codeblue.audit.models import AuditEntry, AuditHead
from codeblue.comms.models import ChatChannel, StatusUpdate
from codeblue.compliance.models import BreachCase, BreachNotice, NoticeEvidence
from codeblue.reviews.models import FollowUp, Review
from codeblue.runbooks.models import ChecklistItem, Evidence
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
from codeblue.statuspage.models import CustomerNotice, StatusComponent, StatusIncident, StatusPost, Subscriber

__all__ = ["Alert", "ApiToken", "AuditEntry", "AuditHead", "BreachCase", "BreachNotice", "ChatChannel", "ChecklistItem", "ContactMethod", "CustomerNotice", "DaySequence", "Delivery", "Escalation", "EscalationPolicy", "Evidence", "FollowUp", "Heartbeat", "Incident", "IncidentRole", "Integration", "NamedContact", "NoticeEvidence", "Notification", "NotificationRule", "Review", "Schedule", "ScheduleOverride", "Service", "ServicePolicy", "SignInThrottle", "StatusComponent", "StatusIncident", "StatusPost", "StatusUpdate", "Subscriber", "TimelineEntry", "Timer", "User", "WebSession"]
