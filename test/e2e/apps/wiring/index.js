// A stand-in app for the stack's wiring tests: it echoes every ARM event it receives to the configured
// Event Grid topic, and answers the copy list the stack's summary reads.
const { app } = require('@azure/functions');
const { AzureKeyCredential, EventGridPublisherClient } = require('@azure/eventgrid');

app.eventGrid('onArmEvent', {
  handler: async (event) => {
    const client = new EventGridPublisherClient(
      process.env.RPCOPY_EVENTGRID_ENDPOINT,
      'CloudEvent',
      new AzureKeyCredential(process.env.RPCOPY_EVENTGRID_KEY),
      { allowInsecureConnection: true },
    );
    await client.send([
      {
        type: 'Wiring.Seen',
        source: '/wiring',
        subject: event.subject,
        id: `seen-${event.id}`,
        data: {
          eventType: event.eventType ?? event.type,
          armEndpoint: process.env.RPCOPY_ARM_ENDPOINT,
          armCredential: process.env.RPCOPY_ARM_CREDENTIAL,
          caCertificate: process.env.RPCOPY_ARM_CA_CERTIFICATE,
          allowedSubscriptions: process.env.RPCOPY_ALLOWED_SUBSCRIPTIONS,
        },
      },
    ]);
  },
});

app.http('listCopies', {
  route: 'copies',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => ({ jsonBody: { copies: [] } }),
});
