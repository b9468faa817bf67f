"""The real-time-dashboard domain: metric points and their validation, the rolling
window aggregated once per tick, the DuckDB history with retention, chart options, the
host collector and the hub that joins them to WebSocket rooms, shared by every route file
whichever structure serves them."""
