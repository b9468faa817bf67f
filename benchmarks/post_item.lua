wrk.method = "POST"
wrk.body = '{"name": "gobstopper", "price": 2.5, "tags": ["candy", "everlasting"]}'
wrk.headers["Content-Type"] = "application/json"
