// Starts GraphiQL on the page (index.html): the editors, the fetcher for /graphql and its
// WebSocket, and the explorer plugin. A file of its own, so the page needs no inline script.

const EXAMPLE_QUERY = `# GraphiQL for the group mentoring platform.
#
# Paste the Authorization header that \`mentoring demo\` printed into the
# Headers tab below, for example:
#
#     {"Authorization": "Bearer eyJ..."}
#
# then run a query (Ctrl-Enter):

{
  cohorts {
    totalCount
    edges { node { id name state menteeCount } }
  }
}
`;

// q, variables and headers in the address are the editors' contents, for sharing.
const parameters = {};
for (const entry of window.location.search.slice(1).split("&")) {
  const eq = entry.indexOf("=");
  if (eq >= 0) {
    parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
      entry.slice(eq + 1),
    );
  }
}

function updateURL(data) {
  Object.assign(parameters, data);
  const search =
    "?" +
    Object.keys(parameters)
      .filter((key) => Boolean(parameters[key]))
      .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
      .join("&");
  history.replaceState(null, null, search);
}

const fetchURL = window.location.href.split("?")[0];
const subscriptionURL = new URL(fetchURL);
subscriptionURL.protocol = subscriptionURL.protocol === "https:" ? "wss:" : "ws:";
subscriptionURL.hash = "";

const fetcher = GraphiQL.createFetcher({
  url: fetchURL,
  subscriptionUrl: subscriptionURL.toString(),
});

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers);

  return React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    query: query,
    variables: variables,
    headers: headers,
    onEditQuery: (value) => {
      setQuery(value);
      updateURL({ q: value });
    },
    onEditVariables: (value) => {
      setVariables(value);
      updateURL({ variables: value });
    },
    onEditHeaders: setHeaders,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQLWithExplorer),
);
