"""Personal data (India's DPDP Act 2023): a person downloads what Saptah holds about them; organisers erase it."""
