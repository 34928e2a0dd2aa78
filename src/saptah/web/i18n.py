"""English and Hindi interface text."""

from __future__ import annotations

HINDI: dict[str, str] = {
    "Sign in": "साइन इन करें",
    "Sign out": "साइन आउट",
    "E-mail": "ई-मेल",
    "Password": "पासवर्ड",
    "Forgot password?": "पासवर्ड भूल गए?",
    "Home": "मुख्य पृष्ठ",
    "People": "कर्मचारी",
    "Organisations": "संगठन",
    "My profile": "मेरी प्रोफ़ाइल",
    "Organisation": "संगठन",
    "Designation": "पदनाम",
    "Group": "समूह",
    "Search": "खोजें",
    "Name": "नाम",
    "Roles": "भूमिकाएँ",
    "Learner": "शिक्षार्थी",
    "MDO admin": "एमडीओ व्यवस्थापक",
    "MDO leader": "एमडीओ प्रमुख",
    "National organiser": "राष्ट्रीय आयोजक",
    "Content provider": "सामग्री प्रदाता",
    "Welcome": "स्वागत है",
    "National Learning Week": "राष्ट्रीय शिक्षण सप्ताह",
    "Set your password": "अपना पासवर्ड सेट करें",
    "Save": "सहेजें",
    "Next": "अगला",
    "Previous": "पिछला",
    "Employee ID": "कर्मचारी आईडी",
    "Your organisation": "आपका संगठन",
    "Staff in your subtree": "आपके संगठन-वृक्ष में कर्मचारी",
    "The whole tree": "पूरा संगठन-वृक्ष",
    "Grant a role": "भूमिका दें",
    "Language": "भाषा",
}

ROLE_LABELS = {
    "learner": "Learner",
    "mdo_admin": "MDO admin",
    "mdo_leader": "MDO leader",
    "national_organiser": "National organiser",
    "content_provider": "Content provider",
}


def translate(text: str, lang: str) -> str:
    """The Hindi text when the page is in Hindi and a translation exists."""
    if lang == "hi":
        return HINDI.get(text, text)
    return text
