using CadMl.Application.Common.Problems;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// A message that must not run alongside another message with the same <see cref="ExclusiveGroup"/>
/// (one model reload, one cache settings change, one manual recovery at a time). A second one
/// is refused at once with 409 <see cref="BusyCode"/> rather than queued, so an operator never
/// waits blind behind a slow reload.
/// </summary>
public interface IExclusiveMessage
{
    string ExclusiveGroup { get; }

    ErrorCode BusyCode { get; }
}
