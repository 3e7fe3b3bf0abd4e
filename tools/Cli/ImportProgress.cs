using System.Diagnostics;
using System.Globalization;

namespace CadMl.Cli;

/// <summary>
/// Live counters of an import and their rendering on stderr: a bar redrawn in place on a terminal,
/// one plain line every few seconds otherwise (logs, CI, pipes). Rates count only files sent in
/// this run, so files the journal skips do not inflate files/s.
/// </summary>
internal sealed class ImportProgress(int totalFiles, long totalBytes, ServiceClient client, ProgressMode mode, TimeSpan plainInterval)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _doneFiles;
    private long _doneBytes;
    private long _sentFiles;
    private long _sentBytes;
    private long _errors;

    public void Finished(long bytes, bool sent, bool error)
    {
        Interlocked.Increment(ref _doneFiles);
        Interlocked.Add(ref _doneBytes, bytes);
        if (sent)
        {
            Interlocked.Increment(ref _sentFiles);
            Interlocked.Add(ref _sentBytes, bytes);
        }

        if (error)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public long SentFiles => Interlocked.Read(ref _sentFiles);

    public long SentBytes => Interlocked.Read(ref _sentBytes);

    /// <summary>Renders until <paramref name="stop"/> is cancelled, then once more with the final numbers.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (mode == ProgressMode.None)
        {
            return;
        }

        var interval = mode == ProgressMode.Bar ? TimeSpan.FromMilliseconds(250) : plainInterval;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Render(final: false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The import ended; the final line follows.
        }

        Render(final: true);
    }

    private void Render(bool final)
    {
        var done = Interlocked.Read(ref _doneFiles);
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var filesPerSecond = SentFiles / seconds;
        var megabytesPerSecond = SentBytes / 1048576.0 / seconds;
        var remainingBytes = totalBytes - Interlocked.Read(ref _doneBytes);
        var bytesPerSecond = SentBytes / seconds;
        var eta = final || done >= totalFiles ? "0s"
            : bytesPerSecond > 0 ? Duration(TimeSpan.FromSeconds(remainingBytes / bytesPerSecond)) : "?";
        var errors = Interlocked.Read(ref _errors);
        var percent = totalFiles == 0 ? 100 : 100.0 * done / totalFiles;
        var stats = string.Create(CultureInfo.InvariantCulture,
            $"{done}/{totalFiles} files {percent:0.0}%  {filesPerSecond:0.0} files/s  {megabytesPerSecond:0.00} MB/s  ETA {eta}  errors {errors}  retries {client.Retries}");
        if (mode == ProgressMode.Bar)
        {
            var width = BarWidth(stats.Length);
            var filled = totalFiles == 0 ? width : (int)(width * done / totalFiles);
            // \r and erase-to-end-of-line: redraw in place without scrolling the terminal.
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {stats}\u001b[K");
            if (final)
            {
                Console.Error.WriteLine();
            }
        }
        else
        {
            Console.Error.WriteLine($"import: {stats}");
        }
    }

    private static int BarWidth(int textLength)
    {
        int columns;
        try
        {
            columns = Console.WindowWidth;
        }
        catch (IOException)
        {
            columns = 100;
        }

        return Math.Clamp((columns > 0 ? columns : 100) - textLength - 4, 10, 40);
    }

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s"
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0}s");
}

internal enum ProgressMode
{
    Bar,
    Plain,
    None,
}
