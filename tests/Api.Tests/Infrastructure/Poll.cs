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

    /// <summary>The same probe for a condition that has to ask (an HTTP call, a file).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The condition did not hold within {limit}.");
            }

            await Task.Delay(50);
        }
    }
}
