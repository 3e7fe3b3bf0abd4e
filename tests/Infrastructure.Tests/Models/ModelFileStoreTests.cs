using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Ports;
using CadMl.Infrastructure.Models;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.Models;

public sealed class ModelFileStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cadml-model-store", Guid.NewGuid().ToString("N"));
    private readonly string _models;
    private readonly ModelFileStore _store;

    public ModelFileStoreTests()
    {
        _models = Path.Combine(_root, "models");
        Directory.CreateDirectory(Path.Combine(_models, "sub"));
        _store = new ModelFileStore(Options.Create(new ModelOptions { ModelDir = _models }));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_file_inside_the_folder_is_read_whole_when_within_the_limit()
    {
        File.WriteAllBytes(Path.Combine(_models, "sub", "m.onnx"), [1, 2, 3]);

        using var file = _store.Open("sub/m.onnx").File!;

        file.ReadBounded(3, CancellationToken.None).Should().Equal(1, 2, 3);
    }

    [Fact]
    public void A_file_one_byte_over_the_limit_is_refused()
    {
        File.WriteAllBytes(Path.Combine(_models, "m.onnx"), new byte[1025]);

        using var file = _store.Open("m.onnx").File!;

        file.ReadBounded(1024, CancellationToken.None).Should().BeNull();
    }

    [Fact]
    public void A_cancelled_read_stops_instead_of_reading_the_file()
    {
        File.WriteAllBytes(Path.Combine(_models, "m.onnx"), new byte[3 << 20]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        using var file = _store.Open("m.onnx").File!;

        file.Invoking(f => f.ReadBounded(4 << 20, cancelled.Token)).Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void A_symlink_that_leads_out_of_the_folder_is_refused()
    {
        File.WriteAllBytes(Path.Combine(_root, "secret.onnx"), [1]);
        File.CreateSymbolicLink(Path.Combine(_models, "escape.onnx"), Path.Combine(_root, "secret.onnx"));

        _store.Open("escape.onnx").Status.Should().Be(ModelFileStatus.OutsideFolder);
    }

    [Fact]
    public void A_directory_symlink_that_leads_out_of_the_folder_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        File.WriteAllBytes(Path.Combine(_root, "elsewhere", "m.onnx"), [1]);
        Directory.CreateSymbolicLink(Path.Combine(_models, "linked"), Path.Combine(_root, "elsewhere"));

        _store.Open("linked/m.onnx").Status.Should().Be(ModelFileStatus.OutsideFolder);
    }

    [Fact]
    public void A_symlink_that_stays_inside_the_folder_is_followed()
    {
        File.WriteAllBytes(Path.Combine(_models, "sub", "v2.onnx"), [9]);
        File.CreateSymbolicLink(Path.Combine(_models, "current.onnx"), "sub/v2.onnx");

        using var file = _store.Open("current.onnx").File!;

        file.ReadBounded(10, CancellationToken.None).Should().Equal(9);
    }

    [Fact]
    public void A_model_folder_reached_through_a_symlink_is_still_its_own_root()
    {
        var linkedRoot = Path.Combine(_root, "models-link");
        Directory.CreateSymbolicLink(linkedRoot, _models);
        File.WriteAllBytes(Path.Combine(_models, "m.onnx"), [4]);
        var store = new ModelFileStore(Options.Create(new ModelOptions { ModelDir = linkedRoot }));

        using var file = store.Open("m.onnx").File!;

        file.ReadBounded(10, CancellationToken.None).Should().Equal(4);
    }

    [Fact]
    public void Missing_files_and_directories_are_told_apart()
    {
        _store.Open("nothing.onnx").Status.Should().Be(ModelFileStatus.NotFound);
        Directory.CreateDirectory(Path.Combine(_models, "dir.onnx"));
        _store.Open("dir.onnx").Status.Should().Be(ModelFileStatus.NotAFile);
    }
}
