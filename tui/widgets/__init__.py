"""The panels' widgets, one module per thing shown; they present frames and hold no data access."""
