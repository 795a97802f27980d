# azd postdeploy hook (Windows): see connect-events-in.sh.
$ErrorActionPreference = 'Stop'
if ($env:RPCOPY_CONNECT_EVENTS_IN -eq 'true') { exit 0 }
azd env set RPCOPY_CONNECT_EVENTS_IN true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
