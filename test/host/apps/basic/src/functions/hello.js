const { app } = require('@azure/functions');

app.http('hello', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: async (request, context) => {
    const name = request.query.get('name') || (await request.text()) || 'world';
    context.log(`greeting ${name}`);
    return { status: 200, jsonBody: { greeting: `${process.env.BASIC_SAMPLE_GREETING}, ${name}` } };
  },
});
