using Narwhal.Api.Github.Webhooks;

namespace Narwhal.Api.Github;

/// <summary>What receiving a delivery came to: the record (and what it did), and whether Narwhal handles its event at all.</summary>
public sealed record DeliveryAnswer(DeliveryRecordResult Result, bool Handled)
{
    public GithubDelivery Delivery => Result.Delivery;
}
