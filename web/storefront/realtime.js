// AppSync real-time (config.graphqlRealtimeUrl), its WebSocket protocol without a client
// library: subprotocol graphql-ws; the URL carries ?header=<base64 JSON {host,
// Authorization}>&payload=e30=; connection_init → connection_ack (then `ka` keep-alives);
// start {id, payload: {data: JSON {query, variables}, extensions: {authorization}}} →
// start_ack, then `data` for each push; stop → complete.
const MY_ORDER_STATUS = `subscription MyOrders {
  onMyOrderStatusChanged { orderId userId status event at eventId }
}`;

export function watchMyOrders(config, session, { onChange, onState }) {
  const authorization = { host: new URL(config.graphqlUrl).host, Authorization: session.accessToken };
  const header = btoa(JSON.stringify(authorization));
  const url = `${config.graphqlRealtimeUrl}?header=${encodeURIComponent(header)}&payload=e30=`;
  const id = crypto.randomUUID();
  let socket;
  let stopped = false;
  let retry = 0;

  function connect() {
    socket = new WebSocket(url, ["graphql-ws"]);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      switch (message.type) {
        case "connection_ack":
          socket.send(JSON.stringify({
            id,
            type: "start",
            payload: {
              data: JSON.stringify({ query: MY_ORDER_STATUS, variables: {} }),
              extensions: { authorization },
            },
          }));
          break;
        case "start_ack":
          retry = 0;
          onState("live");
          break;
        case "data": {
          const change = message.payload?.data?.onMyOrderStatusChanged;
          if (change) onChange(change);
          break;
        }
        case "error":
        case "connection_error":
          onState("error");
          break;
        default: // ka, complete
      }
    });
    socket.addEventListener("close", () => {
      if (stopped) return;
      onState("reconnecting");
      // Pushes are at most once: after a reconnect the app reads its orders again.
      setTimeout(() => { if (!stopped) connect(); }, Math.min(1000 * 2 ** retry++, 15_000));
    });
  }
  connect();
  return () => {
    stopped = true;
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: "stop" }));
    socket.close();
  };
}
