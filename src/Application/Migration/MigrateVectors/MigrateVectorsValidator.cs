using FluentValidation;

namespace CadMl.Application.Migration.MigrateVectors;

internal sealed class MigrateVectorsValidator : AbstractValidator<MigrateVectorsCommand>
{
    public MigrateVectorsValidator()
    {
        RuleFor(c => c.ToVersion).TargetVersion();
        RuleFor(c => c.BatchSize).InclusiveBetween(1, MigrateVectorsCommand.MaxBatchSize);
        // An empty list is refused rather than read as "all": a caller whose selection came out
        // empty must not migrate the whole store by accident.
        RuleFor(c => c.Ids)
            .Must(ids => ids is null || ids.Count is > 0 and <= MigrateVectorsCommand.MaxIds)
            .WithMessage($"ids must list 1 to {MigrateVectorsCommand.MaxIds} ids; leave it out to migrate every vector not at the target.")
            .Must(ids => ids is null || ids.All(id => !string.IsNullOrEmpty(id) && id.Length <= Vectors.VectorRules.MaxIdLength))
            .WithMessage($"every id must be a non-empty string of at most {Vectors.VectorRules.MaxIdLength} characters.");
    }
}
