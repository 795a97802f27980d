// The real Durable extension on the WebJobs SDK, with the Azure Storage provider (Azurite), for a Node app.
// Every function of the app has a generated stub (Stubs.g.cs) that hands its trigger payload to the Node
// bridge and returns the bridge's reply, so the app's handlers run unchanged while the extension takes its
// out-of-process path (FUNCTIONS_WORKER_RUNTIME=node): string trigger payloads, the JSON orchestrator
// state, the `$OutOfProcData$` failure convention, the local RPC endpoint for clients.
using System.Net;
using System.Text;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace RealDurable;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string appClass = Required("HARNESS_APP_CLASS");
        string hostJsonPath = Required("HARNESS_HOST_JSON");
        int controlPort = int.Parse(Required("HARNESS_CONTROL_PORT"));
        Bridge.BaseUrl = Required("HARNESS_BRIDGE_URL");
        Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME", "node");

        Type stubs = typeof(Program).Assembly.GetType($"RealDurable.Stubs.{appClass}")
            ?? throw new InvalidOperationException($"No generated stubs for app class {appClass}");

        var builder = new HostBuilder()
            .UseEnvironment("Development")
            .ConfigureAppConfiguration(config =>
            {
                config.AddEnvironmentVariables();
                // host.json `extensions` are what the Functions host hands the WebJobs extensions as their
                // configuration sections; the harness does the same mapping.
                config.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(WebJobsSection(hostJsonPath))));
            })
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddDurableTask();
                string? maxTimer = Environment.GetEnvironmentVariable("HARNESS_MAX_TIMER_SECONDS");
                string? timerInterval = Environment.GetEnvironmentVariable("HARNESS_LONG_TIMER_INTERVAL_SECONDS");
                if (maxTimer != null && timerInterval != null)
                {
                    ShortTimerProviderFactory.Install(
                        webJobs.Services,
                        TimeSpan.FromSeconds(double.Parse(maxTimer)),
                        TimeSpan.FromSeconds(double.Parse(timerInterval)));
                }
            })
            .ConfigureLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Warning);
                logging.AddFilter("Host.Triggers.DurableTask", LogLevel.Information);
                logging.AddSimpleConsole(o => o.SingleLine = true);
            })
            .ConfigureServices(services =>
            {
                services.AddSingleton<ITypeLocator>(new FixedTypeLocator(stubs));
                services.AddSingleton<IWebHookProvider>(new SystemKeyWebHookProvider(controlPort));
            });

        using IHost host = builder.Build();
        await host.StartAsync();
        var jobHost = (JobHost)host.Services.GetRequiredService<IJobHost>();
        using var control = new ControlServer(controlPort, jobHost, stubs);
        control.Start();
        Console.WriteLine($"HARNESS READY {controlPort}");

        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.TrySetResult(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
        _ = Task.Run(async () =>
        {
            // The driver closes stdin to ask for a clean stop.
            await Console.In.ReadToEndAsync();
            stopped.TrySetResult();
        });
        await Task.WhenAny(stopped.Task, control.Stopped);
        await host.StopAsync();
        return 0;
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set");

    private static string WebJobsSection(string hostJsonPath)
    {
        JObject hostJson = JObject.Parse(File.ReadAllText(hostJsonPath));
        var extensions = hostJson["extensions"] as JObject ?? new JObject();
        // Operational only: poll the queues at least every second so that idle gaps do not stretch a run
        // (the default backs off to 30 s). Nothing an orchestration observes depends on it.
        var durableTask = extensions["durableTask"] as JObject ?? new JObject();
        extensions["durableTask"] = durableTask;
        var storageProvider = durableTask["storageProvider"] as JObject ?? new JObject();
        durableTask["storageProvider"] = storageProvider;
        storageProvider["maxQueuePollingInterval"] ??= "00:00:01";
        return new JObject(new JProperty("AzureWebJobs", new JObject(new JProperty("extensions", extensions)))).ToString();
    }
}

/// <summary>
/// The Functions host's webhook provider: `{host}/runtime/webhooks/{extension}?code={system key}`. The
/// harness serves no webhooks (clients use the local RPC endpoint), but the extension builds its client
/// payload's management URLs from this, as in Azure.
/// </summary>
internal sealed class SystemKeyWebHookProvider(int port) : IWebHookProvider
{
    public Uri GetUrl(IExtensionConfigProvider extension) =>
        new($"http://127.0.0.1:{port}/runtime/webhooks/durabletask?code=harness-system-key");
}

internal sealed class FixedTypeLocator(Type type) : ITypeLocator
{
    public IReadOnlyList<Type> GetTypes() => [type];
}

/// <summary>Lets the Node driver call the app's non-Durable functions (HTTP, timer, Event Grid).</summary>
internal sealed class ControlServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly JobHost jobHost;
    private readonly Type stubs;
    private readonly TaskCompletionSource stopped = new();

    public ControlServer(int port, JobHost jobHost, Type stubs)
    {
        this.listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        this.jobHost = jobHost;
        this.stubs = stubs;
    }

    public Task Stopped => this.stopped.Task;

    public void Start()
    {
        this.listener.Start();
        _ = Task.Run(this.Loop);
    }

    private async Task Loop()
    {
        while (this.listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await this.listener.GetContextAsync();
            }
            catch (Exception) when (!this.listener.IsListening)
            {
                return;
            }

            _ = Task.Run(() => this.Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath;
        string body = await new StreamReader(context.Request.InputStream, Encoding.UTF8).ReadToEndAsync();
        int status = 200;
        string reply;
        try
        {
            if (path == "/stop")
            {
                this.stopped.TrySetResult();
                reply = "{}";
            }
            else if (path.StartsWith("/call/"))
            {
                string functionName = Uri.UnescapeDataString(path["/call/".Length..]);
                string callId = Guid.NewGuid().ToString("N");
                var method = this.stubs.GetMethods().First(m =>
                    m.GetCustomAttributes(typeof(FunctionNameAttribute), false).Cast<FunctionNameAttribute>().Any(a => a.Name == functionName));
                await this.jobHost.CallAsync(method, new Dictionary<string, object?> { ["trigger"] = body, ["callId"] = callId });
                reply = Bridge.TakeCallReply(callId);
            }
            else
            {
                status = 404;
                reply = "{}";
            }
        }
        catch (Exception e)
        {
            status = 500;
            reply = JsonConvert.SerializeObject(new { error = e.ToString() });
        }

        byte[] bytes = Encoding.UTF8.GetBytes(reply);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public void Dispose() => ((IDisposable)this.listener).Dispose();
}
