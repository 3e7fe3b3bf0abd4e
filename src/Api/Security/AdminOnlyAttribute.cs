namespace CadMl.Api.Security;

/// <summary>Marks an action that needs <c>X-Admin-Token</c> in addition to the API key.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
public sealed class AdminOnlyAttribute : Attribute;
