"""The local console: a web page, served by the local cloud on its own port, that shows the
running system (`panels/`: the architecture with live counts, the event stream with matched
rules and observed deliveries, an order's story, queues and DLQs with a redrive, the API and
GraphQL explorers). `server.py` serves it and holds its security checks; `model.py` and
`svg.py` draw the architecture from the deployment; `stream.py` reads the bus through a
hidden tap; `deliveries.py` records what the pollers and the relay delivered."""
