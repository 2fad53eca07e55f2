"""Zero-programming process planning, changeover-aware scheduling, rescheduling and benchmark readers."""
