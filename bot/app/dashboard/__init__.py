"""GET /dashboard: the operators' page (queue, outcomes, rates over time, caps).

`gather` reads the store and the records into figures (`figures`), `page` renders them
with bot/app/templates/dashboard.html; the charts are inline SVG (`charts`).
"""
