"""Events: webinars, MDO programmes, Samuhik Charcha and offline workshops, with attendance."""
