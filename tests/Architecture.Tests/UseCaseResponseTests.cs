using System.Reflection;
using Mediator;

namespace CadMl.Architecture.Tests;

/// <summary>
/// What a use case returns is the HTTP body, so it is made of DTOs: a port's record (the shape an
/// adapter hands the Application) must not leak into it, or changing an adapter changes the API.
/// </summary>
public sealed class UseCaseResponseTests
{
    private static readonly Type[] Messages = typeof(CadMl.Application.DependencyInjection).Assembly.GetTypes()
        .Where(t => t.IsClass && t.GetInterfaces().Any(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ICommand<>) || i.GetGenericTypeDefinition() == typeof(IQuery<>))))
        .ToArray();

    [Fact]
    public void No_use_case_answers_with_a_port_record()
    {
        Messages.Should().NotBeEmpty();
        var leaks = Messages.SelectMany(message => PortTypesIn(ResponseValue(message)).Select(port => $"{message.Name} → {port.FullName}"))
            .ToList();

        leaks.Should().BeEmpty("responses are Application DTOs; map port records before returning them ({0})", string.Join("; ", leaks));
    }

    [Fact]
    public void The_walk_does_find_a_port_record_inside_a_response()
    {
        PortTypesIn(typeof(LeakyDto)).Should().Contain(typeof(CadMl.Application.Analysis.Ports.AnalysisRecord));
    }

    private sealed record LeakyDto(IReadOnlyList<CadMl.Application.Analysis.Ports.AnalysisRecord> Records);

    private static Type ResponseValue(Type message) =>
        message.GetInterfaces()
            .First(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ICommand<>) || i.GetGenericTypeDefinition() == typeof(IQuery<>)))
            .GetGenericArguments()[0].GetGenericArguments()[0];

    private static HashSet<Type> PortTypesIn(Type root)
    {
        var seen = new HashSet<Type>();
        var ports = new HashSet<Type>();
        var pending = new Stack<Type>([root]);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!seen.Add(type))
            {
                continue;
            }

            if (type.Namespace?.EndsWith(".Ports", StringComparison.Ordinal) == true)
            {
                ports.Add(type);
            }

            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                pending.Push(argument);
            }

            if (type.IsArray)
            {
                pending.Push(type.GetElementType()!);
            }

            if (type.Namespace?.StartsWith("CadMl.", StringComparison.Ordinal) == true)
            {
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    pending.Push(property.PropertyType);
                }
            }
        }

        return ports;
    }
}
