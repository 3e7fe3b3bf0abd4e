using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// Where each body of a STEP file sits in the model, in millimetres. Bodies are items of
/// representations; representations are placed in others by
/// <c>(REPRESENTATION_RELATIONSHIP REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION)</c> with an
/// ITEM_DEFINED_TRANSFORMATION (rep_1's frame maps onto rep_2's by placement(item_1)⁻¹ then
/// placement(item_2)), or by MAPPED_ITEMs. Which side is the component is read from the product
/// structure where the file has one (NEXT_ASSEMBLY_USAGE_OCCURRENCE → PRODUCT_DEFINITION_SHAPE →
/// CONTEXT_DEPENDENT_SHAPE_REPRESENTATION), because exporters write both orders; a parent-first
/// relationship places rep_2 in rep_1 by the inverse map. Without a product structure rep_1 is
/// the component, the order of the standard's examples and of most writers. The same occurrence
/// written twice is placed once.
/// Relationships without a transformation (the usual link between a product's
/// SHAPE_REPRESENTATION and its ADVANCED_BREP_SHAPE_REPRESENTATION) join two representations
/// into one frame. A component used n times gets n placements.
/// </summary>
/// <remarks>
/// Each representation converts its own coordinates with its own length unit before a placement
/// applies, so assemblies that mix units come out right. Transformation operators other than
/// ITEM_DEFINED_TRANSFORMATION are treated as identity and noted. An assembly that contains
/// itself is rejected; nesting is limited to <see cref="MaxDepth"/> levels and the placements of
/// one body to <see cref="MaxPlacements"/> (noted when cut), so hostile files stay bounded.
/// </remarks>
internal sealed class StepPlacements
{
    public const int MaxDepth = 256;
    public const int MaxPlacements = 10_000;

    private readonly StepGeometry _geometry;
    private readonly StepUnits _units;
    private readonly Dictionary<int, List<int>> _representationsOfItem = [];
    private readonly Dictionary<int, int?> _contextOfRepresentation = [];
    private readonly Dictionary<int, int> _frameParent = [];
    private readonly Dictionary<int, List<(int Parent, Affine3 Transform)>> _edges = [];
    private readonly Dictionary<int, List<(int ParentFrame, Affine3 Transform)>> _frameEdges = [];
    private readonly Dictionary<int, List<Affine3>> _placements = [];
    private readonly HashSet<int> _inProgress = [];

    public StepPlacements(StepGeometry geometry, StepUnits units, Func<int, bool> isPlaceable, CancellationToken cancellationToken)
    {
        _geometry = geometry;
        _units = units;
        var file = geometry.File;
        var representationType = RepresentationTypes(file);
        var mappedItem = file.TypeCode("MAPPED_ITEM");
        var mappedItems = new List<int>();
        var checkpoint = new WorkCheckpoint(4096, cancellationToken);
        for (var record = 0; record < file.Count; record++)
        {
            checkpoint.Step();

            var part = RepresentationPart(file, record, representationType);
            if (part < 0)
            {
                continue;
            }

            // (name, items, context_of_items) in the simple form and in the REPRESENTATION part.
            var parameters = file.PartParameters(record, part);
            if (!StepValues.TryList(StepValues.Item(parameters, 1), out var items))
            {
                continue;
            }

            _contextOfRepresentation[record] = _geometry.Reference(StepValues.Item(parameters, 2));
            var enumerator = new StepItems(items);
            while (enumerator.MoveNext(out var item))
            {
                if (_geometry.Reference(item) is not { } itemRecord)
                {
                    continue;
                }

                var isMapped = file.HasType(itemRecord, mappedItem);
                if (isMapped || isPlaceable(itemRecord) || file.TypeName(file.PartType(itemRecord, 0)) == "AXIS2_PLACEMENT_3D")
                {
                    if (!_representationsOfItem.TryGetValue(itemRecord, out var owners))
                    {
                        owners = [];
                        _representationsOfItem[itemRecord] = owners;
                        if (isMapped)
                        {
                            mappedItems.Add(itemRecord);
                        }
                    }

                    owners.Add(record);
                }
            }
        }

        ReadRelationships(file, cancellationToken);
        foreach (var item in mappedItems)
        {
            ReadMappedItem(file, item);
        }

        // Frames are final once every identity link is known; edges are re-keyed by frame so a
        // placement look-up touches only its own frame's edges.
        foreach (var (child, edges) in _edges)
        {
            var frame = Find(child);
            if (!_frameEdges.TryGetValue(frame, out var list))
            {
                list = [];
                _frameEdges[frame] = list;
            }

            foreach (var (parent, transform) in edges)
            {
                list.Add((Find(parent), transform));
            }
        }
    }

    /// <summary>Set when a transformation could not be applied or placements were cut.</summary>
    public string? Note { get; private set; }

    /// <summary>Some body had more placements than <see cref="MaxPlacements"/>: the box is partial.</summary>
    public bool PlacementsCut { get; private set; }

    /// <summary>A transformation or mapped item was taken as identity or ignored.</summary>
    public bool TransformationUnapplied { get; private set; }

    /// <summary>(millimetres per unit, world transforms) for each representation frame that holds the item.</summary>
    public IEnumerable<(double Scale, List<Affine3> World)> PlacementsOf(int item)
    {
        if (!_representationsOfItem.TryGetValue(item, out var owners))
        {
            yield return (_units.FileScale, [Affine3.Identity]);
            yield break;
        }

        var seen = new HashSet<(int, double)>();
        foreach (var representation in owners)
        {
            var scale = ScaleOf(representation);
            var frame = Find(representation);
            if (seen.Add((frame, scale)))
            {
                yield return (scale, Placements(frame, 0));
            }
        }
    }

    private double ScaleOf(int representation) =>
        _units.ScaleOfContext(_contextOfRepresentation.TryGetValue(representation, out var context) ? context : null);

    private static bool[] RepresentationTypes(StepFile file)
    {
        var result = new bool[file.TypeCount];
        for (var code = 0; code < result.Length; code++)
        {
            var name = file.TypeName(code);
            result[code] = name == "REPRESENTATION"
                || (name.EndsWith("_REPRESENTATION", StringComparison.Ordinal)
                    && name is not ("DEFINITIONAL_REPRESENTATION" or "SHAPE_DEFINITION_REPRESENTATION"
                        or "CONTEXT_DEPENDENT_SHAPE_REPRESENTATION" or "PROPERTY_DEFINITION_REPRESENTATION"));
        }

        return result;
    }

    private static int RepresentationPart(StepFile file, int record, bool[] representationType)
    {
        if (!file.IsComplex(record))
        {
            return representationType[file.PartType(record, 0)] ? 0 : -1;
        }

        // The supertype part carries the attributes in the complex form.
        return file.FindPart(record, file.TypeCode("REPRESENTATION"));
    }

    private void ReadRelationships(StepFile file, CancellationToken cancellationToken)
    {
        var relationship = file.TypeCode("REPRESENTATION_RELATIONSHIP");
        var withTransformation = file.TypeCode("REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION");
        var simpleNames = new HashSet<string>(StringComparer.Ordinal)
        {
            "REPRESENTATION_RELATIONSHIP",
            "SHAPE_REPRESENTATION_RELATIONSHIP",
            "REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION",
        };

        var transformed = new List<(int Record, int Rep1, int Rep2, int Transformation)>();
        var checkpoint = new WorkCheckpoint(4096, cancellationToken);
        for (var record = 0; record < file.Count; record++)
        {
            checkpoint.Step();

            ReadOnlySpan<byte> relation;
            ReadOnlySpan<byte> operatorItem;
            if (file.IsComplex(record))
            {
                var part = file.FindPart(record, relationship);
                if (part < 0)
                {
                    continue;
                }

                relation = file.PartParameters(record, part);
                var transformPart = file.FindPart(record, withTransformation);
                operatorItem = transformPart < 0 ? [] : StepValues.Item(file.PartParameters(record, transformPart), 0);
            }
            else
            {
                if (!simpleNames.Contains(file.TypeName(file.PartType(record, 0))))
                {
                    continue;
                }

                relation = file.PartParameters(record, 0);
                operatorItem = StepValues.Item(relation, 4);
            }

            // (name, description, rep_1, rep_2)
            if (_geometry.Reference(StepValues.Item(relation, 2)) is not { } rep1
                || _geometry.Reference(StepValues.Item(relation, 3)) is not { } rep2)
            {
                continue;
            }

            if (_geometry.Reference(operatorItem) is not { } transformation)
            {
                Union(rep1, rep2);
                continue;
            }

            transformed.Add((record, rep1, rep2, transformation));
        }

        // Which side is the parent is decided once every identity link is known, so a
        // relationship that names a product's B-rep rather than its shape representation
        // still matches the product structure.
        var occurrences = AssemblyOccurrences(file, cancellationToken);
        var placed = new HashSet<(int Child, int Parent, Affine3 Transform)>();
        foreach (var (record, rep1, rep2, transformation) in transformed)
        {
            var parentFirst = occurrences.TryGetValue(record, out var occurrence) && IsParentFirst(rep1, rep2, occurrence);
            var (child, parent) = parentFirst ? (rep2, rep1) : (rep1, rep2);
            if (ItemDefinedTransformation(file, transformation, rep1, rep2) is not { } transform)
            {
                Note = "a representation transformation other than ITEM_DEFINED_TRANSFORMATION was treated as identity";
                TransformationUnapplied = true;
                Union(child, parent);
                continue;
            }

            // The transformation maps rep_1's frame into rep_2's; a parent-first writer means the inverse.
            var childToParent = parentFirst ? transform.Inverse() : transform;
            if (childToParent is null)
            {
                Note = "a singular assembly transformation was treated as identity";
                TransformationUnapplied = true;
                Union(child, parent);
                continue;
            }

            // One occurrence written twice (a relationship repeated, or listed by two
            // context-dependent representations) is still one placement.
            if (placed.Add((Find(child), Find(parent), childToParent.Value)))
            {
                AddEdge(child, parent, childToParent.Value);
            }
        }
    }

    /// <summary>
    /// True when rep_1 is the assembly and rep_2 the component. Writers disagree on the order;
    /// the product structure does not: the occurrence names its parent (relating) and child
    /// (related) product definitions, and each has its shape representations.
    /// </summary>
    private bool IsParentFirst(int rep1, int rep2, Occurrence occurrence)
    {
        bool In(int representation, List<int> representations) => representations.Exists(r => Find(r) == Find(representation));

        var rep1IsParent = In(rep1, occurrence.ParentRepresentations) && !In(rep1, occurrence.ChildRepresentations);
        var rep2IsChild = In(rep2, occurrence.ChildRepresentations) && !In(rep2, occurrence.ParentRepresentations);
        var rep1IsChild = In(rep1, occurrence.ChildRepresentations) && !In(rep1, occurrence.ParentRepresentations);
        return (rep1IsParent || rep2IsChild) && !rep1IsChild;
    }

    private sealed record Occurrence(List<int> ParentRepresentations, List<int> ChildRepresentations);

    /// <summary>
    /// For each representation relationship that a CONTEXT_DEPENDENT_SHAPE_REPRESENTATION ties to
    /// a NEXT_ASSEMBLY_USAGE_OCCURRENCE (through its PRODUCT_DEFINITION_SHAPE): the shape
    /// representations of the occurrence's parent and child product definitions (found through
    /// SHAPE_DEFINITION_REPRESENTATION → PRODUCT_DEFINITION_SHAPE → PRODUCT_DEFINITION).
    /// </summary>
    private Dictionary<int, Occurrence> AssemblyOccurrences(StepFile file, CancellationToken cancellationToken)
    {
        var result = new Dictionary<int, Occurrence>();
        var contextDependent = file.TypeCode("CONTEXT_DEPENDENT_SHAPE_REPRESENTATION");
        var definitionRepresentation = file.TypeCode("SHAPE_DEFINITION_REPRESENTATION");
        var usage = file.TypeCode("NEXT_ASSEMBLY_USAGE_OCCURRENCE");
        if (contextDependent < 0 || definitionRepresentation < 0 || usage < 0)
        {
            return result;
        }

        var representationsOf = new Dictionary<int, List<int>>();
        var checkpoint = new WorkCheckpoint(4096, cancellationToken);
        for (var record = 0; record < file.Count; record++)
        {
            checkpoint.Step();

            // SHAPE_DEFINITION_REPRESENTATION(definition, used_representation); definition is a
            // PRODUCT_DEFINITION_SHAPE(name, description, definition).
            if (file.IsComplex(record) || file.PartType(record, 0) != definitionRepresentation)
            {
                continue;
            }

            var parameters = file.PartParameters(record, 0);
            if (_geometry.Reference(StepValues.Item(parameters, 0)) is { } shape
                && _geometry.Reference(StepValues.Item(parameters, 1)) is { } representation
                && DefinitionOfShape(file, shape) is { } definition)
            {
                if (!representationsOf.TryGetValue(definition, out var list))
                {
                    list = [];
                    representationsOf[definition] = list;
                }

                list.Add(representation);
            }
        }

        for (var record = 0; record < file.Count; record++)
        {
            if (file.IsComplex(record) || file.PartType(record, 0) != contextDependent)
            {
                continue;
            }

            // CONTEXT_DEPENDENT_SHAPE_REPRESENTATION(representation_relation, represented_product_relation);
            // NEXT_ASSEMBLY_USAGE_OCCURRENCE(id, name, description, relating, related, designator).
            var parameters = file.PartParameters(record, 0);
            if (_geometry.Reference(StepValues.Item(parameters, 0)) is not { } relationship
                || _geometry.Reference(StepValues.Item(parameters, 1)) is not { } shape
                || DefinitionOfShape(file, shape) is not { } occurrence
                || file.IsComplex(occurrence)
                || file.PartType(occurrence, 0) != usage)
            {
                continue;
            }

            var usageParameters = file.PartParameters(occurrence, 0);
            if (_geometry.Reference(StepValues.Item(usageParameters, 3)) is { } parent
                && _geometry.Reference(StepValues.Item(usageParameters, 4)) is { } child)
            {
                result[relationship] = new Occurrence(
                    representationsOf.GetValueOrDefault(parent) ?? [],
                    representationsOf.GetValueOrDefault(child) ?? []);
            }
        }

        return result;
    }

    private int? DefinitionOfShape(StepFile file, int shape) =>
        file.IsComplex(shape) ? null : _geometry.Reference(StepValues.Item(file.PartParameters(shape, 0), 2));

    private Affine3? ItemDefinedTransformation(StepFile file, int transformation, int child, int parent)
    {
        if (file.IsComplex(transformation) || file.TypeName(file.PartType(transformation, 0)) != "ITEM_DEFINED_TRANSFORMATION")
        {
            return null;
        }

        // (name, description, transform_item_1, transform_item_2)
        var parameters = file.PartParameters(transformation, 0);
        if (_geometry.Reference(StepValues.Item(parameters, 2)) is not { } item1
            || _geometry.Reference(StepValues.Item(parameters, 3)) is not { } item2)
        {
            return null;
        }

        var from = _geometry.Placement(item1, ScaleOf(Owner(item1, child, parent)));
        var to = _geometry.Placement(item2, ScaleOf(Owner(item2, parent, child)));
        return from?.Inverse() is { } inverse && to is { } target ? inverse.Then(target) : null;
    }

    /// <summary>Which of two representations lists the item, preferring the first; writers differ on this.</summary>
    private int Owner(int item, int preferred, int other) =>
        _representationsOfItem.TryGetValue(item, out var owners) && !owners.Contains(preferred) && owners.Contains(other)
            ? other
            : preferred;

    private void ReadMappedItem(StepFile file, int mappedItem)
    {
        // MAPPED_ITEM(name, mapping_source, mapping_target); REPRESENTATION_MAP(mapping_origin, mapped_representation).
        var parameters = file.PartParameters(mappedItem, file.IsComplex(mappedItem) ? file.FindPart(mappedItem, file.TypeCode("MAPPED_ITEM")) : 0);
        var offset = file.IsComplex(mappedItem) ? 0 : 1;
        if (_geometry.Reference(StepValues.Item(parameters, offset)) is not { } source
            || _geometry.Reference(StepValues.Item(parameters, offset + 1)) is not { } target
            || file.IsComplex(source))
        {
            return;
        }

        var map = file.PartParameters(source, 0);
        if (_geometry.Reference(StepValues.Item(map, 0)) is not { } origin
            || _geometry.Reference(StepValues.Item(map, 1)) is not { } child)
        {
            return;
        }

        foreach (var parent in _representationsOfItem[mappedItem])
        {
            var from = _geometry.Placement(origin, ScaleOf(child));
            var to = _geometry.Placement(target, ScaleOf(parent));
            if (from?.Inverse() is { } inverse && to is { } placement)
            {
                AddEdge(child, parent, inverse.Then(placement));
            }
            else
            {
                Note = "a MAPPED_ITEM without usable placements was ignored";
                TransformationUnapplied = true;
            }
        }
    }

    private void AddEdge(int child, int parent, Affine3 transform)
    {
        if (!_edges.TryGetValue(child, out var list))
        {
            list = [];
            _edges[child] = list;
        }

        list.Add((parent, transform));
    }

    private List<Affine3> Placements(int frame, int depth)
    {
        if (_placements.TryGetValue(frame, out var cached))
        {
            return cached;
        }

        if (depth > MaxDepth)
        {
            throw _geometry.File.Error(frame, $"The assembly is nested more than {MaxDepth} levels deep.");
        }

        if (!_inProgress.Add(frame))
        {
            throw _geometry.File.Error(frame, "The assembly contains itself (a cycle of representation relationships).");
        }

        var result = new List<Affine3>();
        foreach (var (parentFrame, transform) in _frameEdges.TryGetValue(frame, out var edges) ? edges : [])
        {
            // Identity links put both ends in one frame; a transform between them contradicts
            // that and is ignored rather than treated as an infinite assembly.
            if (parentFrame == frame)
            {
                continue;
            }

            foreach (var world in Placements(parentFrame, depth + 1))
            {
                if (result.Count == MaxPlacements)
                {
                    Note = $"placements of a body were cut at {MaxPlacements}";
                    PlacementsCut = true;
                    break;
                }

                result.Add(transform.Then(world));
            }
        }

        if (result.Count == 0)
        {
            result.Add(Affine3.Identity);
        }

        _inProgress.Remove(frame);
        _placements[frame] = result;
        return result;
    }

    private int Find(int representation)
    {
        var root = representation;
        while (_frameParent.TryGetValue(root, out var parent) && parent != root)
        {
            root = parent;
        }

        // Path compression keeps later look-ups short.
        while (_frameParent.TryGetValue(representation, out var parent) && parent != root)
        {
            _frameParent[representation] = root;
            representation = parent;
        }

        return root;
    }

    private void Union(int a, int b)
    {
        var rootA = Find(a);
        var rootB = Find(b);
        if (rootA != rootB)
        {
            _frameParent[rootA] = rootB;
        }
    }
}
