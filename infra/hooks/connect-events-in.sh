#!/bin/sh
# azd postdeploy hook: after the first deploy the app's Event Grid function exists, so the events-in
# subscriptions can be created. Runs `azd provision` once more with connectEventsIn on; later deploys skip it.
set -eu
if [ "${RPCOPY_CONNECT_EVENTS_IN:-false}" = "true" ]; then
  exit 0
fi
azd env set RPCOPY_CONNECT_EVENTS_IN true
azd provision --no-prompt
