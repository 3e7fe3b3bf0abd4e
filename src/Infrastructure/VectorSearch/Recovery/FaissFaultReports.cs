using System.Threading.Channels;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// What the index saw go wrong with FAISS on the request path, queued for the recovery loop,
/// which reports each to the use case that decides what it means. The index only says what
/// happened; it never waits for the answer (it may hold its write lock). A burst of failing
/// requests collapses: the first report of a degraded period is the one that counts.
/// </summary>
internal sealed class FaissFaultReports
{
    private readonly Channel<string> _reports = Channel.CreateBounded<string>(
        new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Report(string reason) => _reports.Writer.TryWrite(reason);

    public ChannelReader<string> Reader => _reports.Reader;
}
