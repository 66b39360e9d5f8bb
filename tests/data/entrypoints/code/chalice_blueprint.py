import chalice

reports = chalice.Blueprint(__name__)


@reports.route("/reports/daily")
def daily_report():
    return {}
