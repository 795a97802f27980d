using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.DependencyInjection;

namespace RealDurable;

/// <summary>
/// Shortens the provider's timer limits the way the extension's own tests do
/// (test/FunctionsV2/AzureStorageShortenedTimerDurabilityProviderFactory.cs sets MaximumDelayTime and
/// LongRunningTimerIntervalLength on the Azure Storage provider). That factory subclasses an internal type, so
/// the harness wraps the registered factory instead and sets the same two public properties.
/// </summary>
internal sealed class ShortTimerProviderFactory(IDurabilityProviderFactory inner, TimeSpan maximumDelay, TimeSpan interval)
    : IDurabilityProviderFactory
{
    public string Name => inner.Name;

    public DurabilityProvider GetDurabilityProvider() => Shorten(inner.GetDurabilityProvider());

    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute) =>
        Shorten(inner.GetDurabilityProvider(attribute));

    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute, TriggerMetadata triggerMetadata) =>
        Shorten(inner.GetDurabilityProvider(attribute, triggerMetadata));

    public void SetUseSeparateQueueForEntityWorkItems(bool newSetting) =>
        inner.SetUseSeparateQueueForEntityWorkItems(newSetting);

    public void SetRegisteredFunctions(
        IReadOnlyCollection<string> orchestrations, IReadOnlyCollection<string> activities, IReadOnlyCollection<string> entities) =>
        inner.SetRegisteredFunctions(orchestrations, activities, entities);

    private DurabilityProvider Shorten(DurabilityProvider provider)
    {
        provider.MaximumDelayTime = maximumDelay;
        provider.LongRunningTimerIntervalLength = interval;
        return provider;
    }

    /// <summary>Replaces every registered provider factory with a shortening wrapper around it.</summary>
    public static void Install(IServiceCollection services, TimeSpan maximumDelay, TimeSpan interval)
    {
        var registered = services.Where(d => d.ServiceType == typeof(IDurabilityProviderFactory)).ToList();
        foreach (ServiceDescriptor descriptor in registered)
        {
            services.Remove(descriptor);
            services.AddSingleton<IDurabilityProviderFactory>(sp =>
            {
                var original = (IDurabilityProviderFactory)(descriptor.ImplementationInstance
                    ?? descriptor.ImplementationFactory?.Invoke(sp)
                    ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
                return new ShortTimerProviderFactory(original, maximumDelay, interval);
            });
        }
    }
}
