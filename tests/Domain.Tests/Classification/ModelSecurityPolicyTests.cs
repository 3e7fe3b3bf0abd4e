using CadMl.Domain.Classification;
using CadMl.Domain.Features;

namespace CadMl.Domain.Tests.Classification;

public sealed class ModelSecurityPolicyTests
{
    private static OperatorUse Use(string op, string domain = "", string location = "graph/node 0") => new(new OperatorId(domain, op), location);

    private static ModelInventory Inventory(params OperatorUse[] uses) => new(uses, [], []);

    [Theory]
    [InlineData("audit", OpcodeMode.Audit)]
    [InlineData("blocklist", OpcodeMode.Blocklist)]
    [InlineData("blacklist", OpcodeMode.Blocklist)]
    [InlineData(" Allowlist ", OpcodeMode.Allowlist)]
    [InlineData("WHITELIST", OpcodeMode.Allowlist)]
    public void Modes_are_read_with_their_aliases(string text, OpcodeMode expected)
    {
        OpcodeModes.TryParse(text, out var mode).Should().BeTrue();
        mode.Should().Be(expected);
    }

    [Fact]
    public void An_unknown_mode_is_not_read_as_any_mode() => OpcodeModes.TryParse("permissive", out _).Should().BeFalse();

    [Fact]
    public void The_default_domain_has_one_name_whichever_way_the_file_spells_it() =>
        new OperatorId("", "MatMul").Should().Be(new OperatorId("ai.onnx", "MatMul"));

    [Fact]
    public void The_allowlist_accepts_a_real_classifier_which_the_reference_allowlist_mode_could_not()
    {
        var verdict = OpcodeScan.Judge(Inventory(Use("MatMul"), Use("Add"), Use("Softmax"), Use("ArgMax"), Use("Gather")), OpcodeMode.Allowlist);

        verdict.Passed.Should().BeTrue();
        verdict.Seen.Select(s => s.Key.ToString()).Should().Equal("ai.onnx:MatMul", "ai.onnx:Add", "ai.onnx:Softmax", "ai.onnx:ArgMax", "ai.onnx:Gather");
    }

    [Fact]
    public void Allow_and_block_lists_never_overlap() => OperatorLists.Allowed.Intersect(OperatorLists.Blocked).Should().BeEmpty();

    [Theory]
    [InlineData(OpcodeMode.Allowlist, OpcodeRefusal.NotAllowlisted)]
    [InlineData(OpcodeMode.Blocklist, OpcodeRefusal.Blocklisted)]
    public void A_random_operator_is_refused_in_allowlist_and_blocklist_modes(OpcodeMode mode, OpcodeRefusal reason)
    {
        var verdict = OpcodeScan.Judge(Inventory(Use("MatMul"), Use("RandomUniform", location: "graph/node 3.then_branch/node 0")), mode);

        verdict.Refusals.Should().ContainSingle().Which.Should().Be(
            new OpcodeFinding(reason, "graph/node 3.then_branch/node 0", new OperatorId("", "RandomUniform")));
    }

    [Fact]
    public void Audit_mode_counts_everything_and_refuses_no_standard_operator()
    {
        var verdict = OpcodeScan.Judge(Inventory(Use("RandomUniform"), Use("RandomUniform"), Use("MatMul")), OpcodeMode.Audit);

        verdict.Passed.Should().BeTrue();
        verdict.Seen.Should().Equal(
            new KeyValuePair<OperatorId, int>(new OperatorId("", "RandomUniform"), 2),
            new KeyValuePair<OperatorId, int>(new OperatorId("", "MatMul"), 1));
    }

    [Theory]
    [InlineData(OpcodeMode.Audit)]
    [InlineData(OpcodeMode.Blocklist)]
    [InlineData(OpcodeMode.Allowlist)]
    public void Custom_domains_and_external_data_are_refused_in_every_mode(OpcodeMode mode)
    {
        var inventory = new ModelInventory(
            [Use("RunShell", "com.attacker")],
            [new ExternalDataUse("W", "graph/initializer 'W'", "../../etc/passwd")],
            []);

        var verdict = OpcodeScan.Judge(inventory, mode);

        verdict.Refusals.Select(r => r.Reason).Should().BeEquivalentTo([OpcodeRefusal.ExternalData, OpcodeRefusal.CustomDomain]);
    }

    [Fact]
    public void A_call_of_a_local_function_is_judged_by_its_body_not_as_a_custom_domain()
    {
        var inventory = new ModelInventory(
            [Use("Innocent", "cadml.local"), Use("RandomUniform", location: "function cadml.local:Innocent/node 0")],
            [],
            [LocalFunctionId.Of("cadml.local", "Innocent")]);

        var verdict = OpcodeScan.Judge(inventory, OpcodeMode.Allowlist);

        verdict.Refusals.Should().ContainSingle().Which.Location.Should().StartWith("function cadml.local:Innocent");
    }

    [Theory]
    [InlineData("model.onnx", "model.onnx")]
    [InlineData("./v2/model.onnx", "v2/model.onnx")]
    [InlineData("v2//model.ONNX", "v2/model.ONNX")]
    public void Plain_relative_paths_to_onnx_files_are_accepted(string requested, string relative)
    {
        ModelPathRules.Check(requested, out var normalised).Should().BeNull();
        normalised.Should().Be(relative);
    }

    [Theory]
    [InlineData("", ModelPathViolation.Empty)]
    [InlineData("../model.onnx", ModelPathViolation.Traversal)]
    [InlineData("v2/../../model.onnx", ModelPathViolation.Traversal)]
    [InlineData("..\\model.onnx", ModelPathViolation.Traversal)]
    [InlineData("/etc/passwd", ModelPathViolation.Absolute)]
    [InlineData("\\\\server\\share\\m.onnx", ModelPathViolation.Absolute)]
    [InlineData("~/m.onnx", ModelPathViolation.Absolute)]
    [InlineData("C:/models/m.onnx", ModelPathViolation.InvalidCharacters)]
    [InlineData("m.onnx\0.txt", ModelPathViolation.InvalidCharacters)]
    [InlineData("model.bin", ModelPathViolation.NotOnnx)]
    [InlineData(".onnx", ModelPathViolation.NotOnnx)]
    public void Paths_that_could_leave_the_model_folder_are_refused_before_any_file_access(string requested, ModelPathViolation expected) =>
        ModelPathRules.Check(requested, out _).Should().Be(expected);

    [Fact]
    public void Hash_list_entries_are_trimmed_and_compared_case_insensitively_on_the_full_digest()
    {
        var digest = new string('a', 63) + "b";
        ModelHashAllowlist.TryParse($"  {digest.ToUpperInvariant()} , {new string('c', 64)}", out var list, out _).Should().BeTrue();

        list.Decide(digest, isDevelopment: false).Should().Be(HashDecision.Allowed);
        list.Decide(new string('a', 64), isDevelopment: false).Should().Be(HashDecision.NotListed);
        list.Decide(digest[..16], isDevelopment: false).Should().Be(HashDecision.NotListed, "a prefix is not the digest");
    }

    [Fact]
    public void Hash_lists_with_partial_digests_are_invalid()
    {
        ModelHashAllowlist.TryParse("abcdef0123456789", out _, out var invalid).Should().BeFalse();
        invalid.Should().ContainSingle();
    }

    [Fact]
    public void An_empty_hash_list_trusts_any_model_only_in_development()
    {
        ModelHashAllowlist.TryParse(" ", out var list, out _).Should().BeTrue();

        list.Decide(new string('a', 64), isDevelopment: true).Should().Be(HashDecision.Allowed);
        list.Decide(new string('a', 64), isDevelopment: false).Should().Be(HashDecision.NoListOutsideDevelopment);
    }

    [Fact]
    public void Stages_run_in_the_contract_order() =>
        ReloadStages.InOrder.Select(s => s.Name()).Should().Equal(
            "resolve", "size", "hash_check", "parse", "opcode_scan", "interface", "version", "smoke", "commit");

    private static ModelSignature Signature(
        long width = 24, string feature = "v4", string classes = "plate,gear", string inputType = "float", string? maxDistance = "3.5", string? minConfidence = "0.4", bool distanceOutput = true)
    {
        var metadata = new Dictionary<string, string> { ["classes"] = classes, ["model_version"] = "m1", ["feature_version"] = feature };
        if (maxDistance is not null)
        {
            metadata["abstention_max_distance"] = maxDistance;
        }

        if (minConfidence is not null)
        {
            metadata["abstention_min_confidence"] = minConfidence;
        }

        List<TensorSignature> outputs = [new("label", "string", [null]), new("probabilities", "float", [null, classes.Split(',').Length])];
        if (distanceOutput)
        {
            outputs.Add(new TensorSignature("ood_distance", "float", [null]));
        }

        return new ModelSignature([new TensorSignature("features", inputType, [null, width])], outputs, metadata);
    }

    [Fact]
    public void A_classifier_interface_yields_its_contract()
    {
        var contract = ModelContract.Check(Signature(), out var violations);

        violations.Should().BeEmpty();
        contract.Should().BeEquivalentTo(new
        {
            FeatureVersion = FeatureVersion.V4,
            ModelVersion = "m1",
            Classes = new[] { "plate", "gear" },
            Abstention = new AbstentionPolicy(3.5, 0.4),
        });
    }

    [Theory]
    [InlineData(null, "0.4", true, "abstention_max_distance")]
    [InlineData("0", "0.4", true, "abstention_max_distance")]
    [InlineData("NaN", "0.4", true, "abstention_max_distance")]
    [InlineData("Infinity", "0.4", true, "abstention_max_distance")]
    [InlineData("3,5", "0.4", true, "abstention_max_distance")]
    [InlineData("3.5", null, true, "abstention_min_confidence")]
    [InlineData("3.5", "1", true, "abstention_min_confidence")]
    [InlineData("3.5", "-0.1", true, "abstention_min_confidence")]
    [InlineData("3.5", "0.4", false, "ood_distance")]
    public void A_model_without_valid_abstention_data_is_refused_with_the_missing_piece_named(string? maxDistance, string? minConfidence, bool distanceOutput, string mentioned)
    {
        ModelContract.Check(Signature(maxDistance: maxDistance, minConfidence: minConfidence, distanceOutput: distanceOutput), out var violations).Should().BeNull();
        violations.Should().ContainSingle().Which.Should().Contain(mentioned);
    }

    [Fact]
    public void A_v3_model_declares_its_own_input_width()
    {
        ModelContract.Check(Signature(width: 22, feature: "v3"), out _)!.InputDimension.Should().Be(22);
    }

    [Theory]
    [InlineData(10, "v4", "plate,gear", "float", "width 10")]
    [InlineData(24, "v6", "plate,gear", "float", "feature_version")]
    [InlineData(24, "v4", "plate", "float", "classes")]
    [InlineData(24, "v4", "plate,plate", "float", "classes")]
    [InlineData(24, "v4", "plate,gear", "double", "float[N, D]")]
    public void Interfaces_that_do_not_fit_the_contract_are_named(long width, string feature, string classes, string type, string mentioned)
    {
        ModelContract.Check(Signature(width, feature, classes, type), out var violations).Should().BeNull();
        violations.Should().Contain(v => v.Contains(mentioned, StringComparison.Ordinal));
    }

    private static readonly ClassifierContract Contract = new(FeatureVersion.V4, "m1", ["plate", "gear"], new AbstentionPolicy(3.5, 0.4));

    [Fact]
    public void Smoke_accepts_distributions_that_agree_with_their_labels() =>
        ModelSmoke.Check(Contract, 2, ["plate", "gear"], [0.9f, 0.1f, 0.2f, 0.8f], [0.5f, 12f]).Should().BeNull();

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void Smoke_refuses_a_distance_that_is_not_a_finite_non_negative_number(float distance) =>
        ModelSmoke.Check(Contract, 1, ["plate"], [0.9f, 0.1f], [distance]).Should().Contain("ood_distance");

    [Fact]
    public void Smoke_refuses_a_missing_distance_row() =>
        ModelSmoke.Check(Contract, 2, ["plate", "gear"], [0.9f, 0.1f, 0.2f, 0.8f], [0.5f]).Should().Contain("ood_distance");

    [Theory]
    [InlineData(float.NaN, 0.5f, "plate")]
    [InlineData(0.7f, 0.7f, "plate")]
    [InlineData(0.9f, 0.1f, "bolt")]
    [InlineData(0.9f, 0.1f, "gear")]
    public void Smoke_refuses_non_finite_unnormalised_unknown_or_contradicting_outputs(float p0, float p1, string label) =>
        ModelSmoke.Check(Contract, 1, [label], [p0, p1], [0f]).Should().NotBeNull();

    [Fact]
    public void Smoke_vectors_have_the_width_of_the_declared_version()
    {
        foreach (var version in FeatureVersions.All)
        {
            ModelSmoke.Vectors(version).Should().OnlyContain(v => v.Length == version.Dimension());
        }
    }
}
