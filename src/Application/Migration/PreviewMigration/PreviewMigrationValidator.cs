using FluentValidation;

namespace CadMl.Application.Migration.PreviewMigration;

internal sealed class PreviewMigrationValidator : AbstractValidator<PreviewMigrationQuery>
{
    public PreviewMigrationValidator()
    {
        RuleFor(q => q.ToVersion).TargetVersion();
        RuleFor(q => q.Limit).InclusiveBetween(1, PreviewMigrationQuery.MaxLimit);
    }
}
