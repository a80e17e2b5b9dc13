"""State machine definitions (Amazon States Language), built as plain data."""
