"""The operator dashboard: static files served by admin under ``/dashboard``."""
