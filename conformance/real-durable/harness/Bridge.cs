using System.Collections.Concurrent;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace RealDurable;

/// <summary>
/// What the Functions host does with a Node worker's InvocationResponse, for the stubs: the return value's
/// typed data becomes a .NET object (RpcMessageConversionExtensions.ToObject), and a failure becomes an
/// exception whose message has the host's RpcException format, which the extension parses.
/// </summary>
public static class Bridge
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(10) };
    private static readonly ConcurrentDictionary<string, string> CallReplies = new();
    private static readonly JsonSerializerSettings NoDateParsing = new() { DateParseHandling = DateParseHandling.None };

    public static string BaseUrl { get; set; } = "";

    public static Task<object?> Orchestration(string functionName, string context) =>
        Invoke(functionName, new JObject { ["string"] = context }, client: null);

    public static Task<object?> Entity(string functionName, string context) =>
        Invoke(functionName, new JObject { ["string"] = context }, client: null);

    public static Task<object?> Activity(string functionName, string input, string? client) =>
        Invoke(functionName, input == null ? null : new JObject { ["string"] = input }, client);

    /// <summary>A non-Durable trigger; the driver's payload is already RPC typed data.</summary>
    public static async Task Call(string functionName, string trigger, string callId, string? client)
    {
        JObject request = JObject.Parse(trigger);
        JObject reply = await Send(functionName, request["data"] as JObject, client);
        CallReplies[callId] = reply.ToString(Formatting.None);
    }

    public static Task Remember(string callId, string client)
    {
        CallReplies[callId] = client;
        return Task.CompletedTask;
    }

    public static string TakeCallReply(string callId) =>
        CallReplies.TryRemove(callId, out string? reply) ? reply : throw new InvalidOperationException("The stub left no reply");

    private static async Task<object?> Invoke(string functionName, JObject? triggerData, string? client)
    {
        JObject reply = await Send(functionName, triggerData, client);
        if (reply.Value<bool>("ok") != true)
        {
            throw new Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException(
                "Failure", reply.Value<string>("message") ?? "", reply.Value<string>("stack") ?? "");
        }

        return ToObject(reply["returnValue"] as JObject);
    }

    private static async Task<JObject> Send(string functionName, JObject? triggerData, string? client)
    {
        var request = new JObject
        {
            ["functionName"] = functionName,
            ["triggerData"] = triggerData,
            ["durableClient"] = client,
        };
        using var content = new StringContent(request.ToString(Formatting.None), Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Http.PostAsync(BaseUrl + "/invoke", content);
        string text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The Node bridge answered {(int)response.StatusCode}: {text}");
        }

        return JObject.Parse(text);
    }

    private static object? ToObject(JObject? typedData)
    {
        if (typedData == null)
        {
            return null;
        }

        if (typedData.TryGetValue("string", out JToken? s))
        {
            return s.Value<string>();
        }

        if (typedData.TryGetValue("json", out JToken? j))
        {
            return JsonConvert.DeserializeObject(j.Value<string>()!, NoDateParsing);
        }

        if (typedData.TryGetValue("int", out JToken? i))
        {
            return i.Value<long>();
        }

        if (typedData.TryGetValue("double", out JToken? d))
        {
            return d.Value<double>();
        }

        throw new InvalidOperationException($"The harness does not convert typed data {typedData}");
    }
}
