"""The event log, its LISTEN/NOTIFY fan-out and the Server-Sent Events stream."""
