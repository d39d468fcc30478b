"""The numbers: periods, adherence, pain, flags, outcomes, associations, summary."""
