using System.Runtime.InteropServices;
using CadMl.Application.Tests.Hosting;
using CadMl.Application.Vectors.RegisterVector;
using CadMl.Application.Vectors.SearchVectors;
using Microsoft.Data.Sqlite;

namespace CadMl.Application.Tests.Vectors;

public sealed class DamagedVectorRowTests
{
    [Fact]
    public async Task A_stored_vector_whose_length_does_not_fit_its_version_does_not_stop_a_restart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-app-tests", Guid.NewGuid().ToString("N"));
        var good = Enumerable.Range(1, 24).Select(i => (double)i).ToArray();
        await using (var first = await ApplicationHost.StartAsync(dataDir: dataDir))
        {
            (await first.Sender.Send(new RegisterVectorCommand("damaged", good))).IsSuccess.Should().BeTrue();
            (await first.Sender.Send(new RegisterVectorCommand("intact", good.Reverse().ToArray()))).IsSuccess.Should().BeTrue();
            await first.StopAsync();
        }

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cadml.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE vectors SET vector = $vector WHERE id = 'damaged';";
            command.Parameters.AddWithValue("$vector", MemoryMarshal.AsBytes(new double[7].AsSpan()).ToArray());
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }

        await using var second = await ApplicationHost.StartAsync(dataDir: dataDir, ownsDataDir: true);
        var result = await second.Sender.Send(new SearchVectorsQuery(Vector: good.Reverse().ToArray(), K: 5));

        result.IsSuccess.Should().BeTrue();
        result.Value.Results.Select(r => r.Id).Should().Equal("intact");
    }
}
