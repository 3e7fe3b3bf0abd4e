using FluentValidation;

namespace CadMl.Application.Store.BackupStore;

internal sealed class BackupStoreValidator : AbstractValidator<BackupStoreCommand>
{
    /// <summary>A plain file name: the backup can only land in the backups folder, never on a path the caller picks.</summary>
    public BackupStoreValidator() =>
        RuleFor(c => c.Name)
            .Matches("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
            .When(c => c.Name is not null)
            .WithMessage("name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
}
