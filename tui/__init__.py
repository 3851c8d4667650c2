"""The terminal UI (``tracker tui``): presents the ``tracker`` core; the core never imports it."""
