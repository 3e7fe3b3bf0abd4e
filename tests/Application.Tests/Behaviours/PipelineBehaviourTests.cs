using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using FluentValidation;

namespace CadMl.Application.Tests.Behaviours;

public sealed class PipelineBehaviourTests
{
    public sealed record SampleCommand(int Capacity) : IUseCaseCommand<string>;

    public sealed record SlowExclusiveCommand(TaskCompletionSource Gate) : IUseCaseCommand<string>, IExclusiveMessage
    {
        public string ExclusiveGroup => "sample-exclusive";

        public ErrorCode BusyCode => ErrorCodes.ReloadInProgress;
    }

    private sealed class SampleValidator : AbstractValidator<SampleCommand>
    {
        public SampleValidator() => RuleFor(c => c.Capacity).GreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Validation_failures_become_422_problems_and_the_handler_never_runs()
    {
        var behaviour = new ValidationBehaviour<SampleCommand, Result<string>>([new SampleValidator()]);
        var handlerRan = false;

        var result = await behaviour.Handle(new SampleCommand(0), (_, _) =>
        {
            handlerRan = true;
            return ValueTask.FromResult(Result.Success("ran"));
        }, CancellationToken.None);

        handlerRan.Should().BeFalse();
        result.Status.Should().Be(ResultStatus.Invalid);
        var problem = result.Should().BeOfType<ProblemResult<string>>().Subject.Problem;
        problem.Code.Should().Be("INPUT_VALIDATION_FAILED");
        var errors = problem.Context["errors"].Should().BeAssignableTo<IEnumerable<Dictionary<string, object?>>>().Subject.ToList();
        errors.Should().ContainSingle().Which["field"].Should().Be("capacity");
        errors[0]["rejected"].Should().Be(0);
    }

    [Fact]
    public async Task Valid_messages_reach_the_handler()
    {
        var behaviour = new ValidationBehaviour<SampleCommand, Result<string>>([new SampleValidator()]);

        var result = await behaviour.Handle(new SampleCommand(5), (_, _) => ValueTask.FromResult(Result.Success("ran")), CancellationToken.None);

        result.Value.Should().Be("ran");
    }

    [Fact]
    public async Task A_second_exclusive_message_is_refused_with_409_while_the_first_runs()
    {
        var behaviour = new ExclusiveBehaviour<SlowExclusiveCommand, Result<string>>(new ExclusiveGates());
        var first = new SlowExclusiveCommand(new TaskCompletionSource());
        var entered = new TaskCompletionSource();

        var running = behaviour.Handle(first, async (m, _) =>
        {
            entered.SetResult();
            await m.Gate.Task;
            return Result.Success("first");
        }, CancellationToken.None).AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var second = await behaviour.Handle(new SlowExclusiveCommand(new TaskCompletionSource()),
            (_, _) => ValueTask.FromResult(Result.Success("second")), CancellationToken.None);

        second.Status.Should().Be(ResultStatus.Conflict);
        second.ToProblem().Code.Should().Be("RELOAD_IN_PROGRESS");

        first.Gate.SetResult();
        (await running).Value.Should().Be("first");
        var third = await behaviour.Handle(new SlowExclusiveCommand(new TaskCompletionSource()),
            (_, _) => ValueTask.FromResult(Result.Success("third")), CancellationToken.None);
        third.Value.Should().Be("third", "the gate is released when the first finishes");
    }

    [Fact]
    public void A_failed_result_built_without_a_problem_still_reads_as_the_catalogue_code_of_its_status()
    {
        var problem = Result<string>.NotFound("no such part").ToProblem();

        problem.Error.Should().BeSameAs(ErrorCodes.NotFound);
        problem.Message.Should().Be("no such part");
        problem.Stage.Should().Be("handler");
    }

    [Fact]
    public void A_behaviour_refuses_through_the_message_type_with_the_problem_intact()
    {
        var problem = new Problem(ErrorCodes.StoreDamaged, "store", "damaged", new Dictionary<string, object?> { ["reason"] = "corrupt page" });

        var refused = Refuse<SampleCommand, Result<string>>(problem);

        refused.Status.Should().Be(ResultStatus.Unavailable);
        refused.ToProblem().Should().BeSameAs(problem);
    }

    private static TResponse Refuse<TMessage, TResponse>(Problem problem)
        where TMessage : IAnswersWithProblem<TResponse> => TMessage.Refuse(problem);
}
