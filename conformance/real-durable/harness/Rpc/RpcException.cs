namespace Microsoft.Azure.WebJobs.Script.Workers.Rpc;

/// <summary>
/// The Functions host's exception for a failed worker invocation, same name and message format, so that the
/// extension's OutOfProcExceptionHelpers recognise it and failure details name the same class.
/// </summary>
public class RpcException : Exception
{
    public RpcException(string result, string message, string stack)
        : base($"Result: {result}\nException: {message}\nStack: {stack}")
    {
        this.RemoteStackTrace = stack;
    }

    public string RemoteStackTrace { get; }
}
