"""What leaves the diary: share bundles, the spreadsheet export, reminders."""
