namespace CadMl.Api.Tests.Infrastructure;

/// <summary>The bounded probe for asynchronous outcomes: check often, give up loudly at the limit.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The condition did not hold within {limit}.");
            }

            await Task.Delay(50);
        }
    }
}
