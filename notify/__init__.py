"""Messages to citizens about their booked appointments: confirmation, reminder, cancellation (issue 7).

``notify.compose`` writes them (pure: subject, plain text, HTML and SMS in the citizen's language);
``notify.mail`` sends e-mail over SMTP and ``notify.sms`` SMS through an HTTP gateway. Both block and raise
``NotSent`` with a reason that holds no personal data. When and to whom to send is the server's business::

    message = compose.reminder(notice)
    if (smtp := SmtpConfig.from_settings(settings)) is not None:
        send_email(smtp, booking_email, message)
    if (gateway := SmsGateway.from_settings(settings)) is not None:
        send_sms(gateway, booking_phone, message.sms)
"""

from notify.compose import BookingNotice, Message, cancellation, confirmation, reminder
from notify.errors import NotSent
from notify.mail import SmtpConfig, send_email
from notify.sms import SmsGateway, send_sms

__all__ = [
    "BookingNotice",
    "Message",
    "NotSent",
    "SmsGateway",
    "SmtpConfig",
    "cancellation",
    "confirmation",
    "reminder",
    "send_email",
    "send_sms",
]
