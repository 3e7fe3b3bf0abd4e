using FluentValidation;
using Mediator;

namespace CadMl.Architecture.Tests;

/// <summary>Use cases are found by name: Command, Query, Handler, Validator mean one thing each.</summary>
public sealed class NamingConventionTests
{
    private static readonly Type[] ApplicationTypes = typeof(CadMl.Application.DependencyInjection).Assembly
        .GetTypes().Where(t => t.Namespace?.StartsWith("CadMl.", StringComparison.Ordinal) == true && !t.IsNested).ToArray();

    private static bool Implements(Type type, Type openGeneric) =>
        type.IsClass && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == openGeneric);

    [Fact]
    public void Commands_end_with_Command_and_are_sealed_records()
    {
        var commands = ApplicationTypes.Where(t => Implements(t, typeof(ICommand<>))).ToList();

        commands.Where(t => !(t.Name.EndsWith("Command", StringComparison.Ordinal) && t.IsSealed)).Should().BeEmpty();
    }

    [Fact]
    public void Queries_end_with_Query_and_are_sealed_records()
    {
        var queries = ApplicationTypes.Where(t => Implements(t, typeof(IQuery<>))).ToList();

        queries.Should().NotBeEmpty().And.OnlyContain(t => t.Name.EndsWith("Query", StringComparison.Ordinal) && t.IsSealed);
    }

    [Fact]
    public void Handlers_end_with_Handler_and_are_internal_sealed()
    {
        var handlers = ApplicationTypes
            .Where(t => Implements(t, typeof(ICommandHandler<,>)) || Implements(t, typeof(IQueryHandler<,>)))
            .ToList();

        handlers.Should().NotBeEmpty().And.OnlyContain(t =>
            t.Name.EndsWith("Handler", StringComparison.Ordinal) && t.IsSealed && !t.IsPublic);
    }

    [Fact]
    public void Validators_end_with_Validator()
    {
        var validators = ApplicationTypes.Where(t => !t.IsAbstract && typeof(IValidator).IsAssignableFrom(t)).ToList();

        validators.Where(t => !t.Name.EndsWith("Validator", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [Fact]
    public void Use_cases_return_results_so_failures_are_values()
    {
        var messages = ApplicationTypes.Where(t => Implements(t, typeof(ICommand<>)) || Implements(t, typeof(IQuery<>)));

        messages.Should().OnlyContain(t => t.GetInterfaces()
            .Where(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ICommand<>) || i.GetGenericTypeDefinition() == typeof(IQuery<>)))
            .All(i => i.GetGenericArguments()[0].IsGenericType
                      && i.GetGenericArguments()[0].GetGenericTypeDefinition() == typeof(Ardalis.Result.Result<>)));
    }

    /// <summary>
    /// The validation, exclusive and store-fault behaviours are constrained to messages that can
    /// answer with a problem; a message declared on Mediator's interfaces directly would compile
    /// and silently skip them.
    /// </summary>
    [Fact]
    public void Use_cases_are_declared_as_use_case_commands_or_queries_so_every_behaviour_runs()
    {
        var messages = ApplicationTypes.Where(t => Implements(t, typeof(ICommand<>)) || Implements(t, typeof(IQuery<>))).ToList();

        messages.Should().NotBeEmpty();
        messages.Where(t => !Implements(t, typeof(CadMl.Application.IUseCaseCommand<>)) && !Implements(t, typeof(CadMl.Application.IUseCaseQuery<>)))
            .Should().BeEmpty();
    }
}
