"""The competency passport: what each person holds, what their role needs, the gaps and what closes them."""
