using System.Text;

namespace CadMl.Infrastructure.Tests.Cad.Step;

/// <summary>Small hand-written Part 21 files, each built to exercise one rule.</summary>
internal static class StepSamples
{
    public const string Millimetre = "#1 = ( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) );";

    public const string Context = "#2 = ( GEOMETRIC_REPRESENTATION_CONTEXT(3) GLOBAL_UNIT_ASSIGNED_CONTEXT((#1)) REPRESENTATION_CONTEXT('ctx','3D') );";

    /// <summary>
    /// One solid with a planar face bounded by the rectangle (0,0,0)–(10,5,0), whose plane and
    /// line anchors lie far away, and a cylindrical face bounded by a full circle of radius 2
    /// around (20,0,3) in the XY plane. Extents: (0,−2,0)–(22,5,3).
    /// </summary>
    public const string PlateWithBoss = """
        #3 = ADVANCED_BREP_SHAPE_REPRESENTATION('part',(#10),#2);
        #10 = MANIFOLD_SOLID_BREP('plate',#11);
        #11 = CLOSED_SHELL('',(#20,#40));
        #20 = ADVANCED_FACE('',(#21),#30,.T.);
        #21 = FACE_OUTER_BOUND('',#22,.T.);
        #22 = EDGE_LOOP('',(#23,#24,#25,#26));
        #23 = ORIENTED_EDGE('',*,*,#130,.T.);
        #24 = ORIENTED_EDGE('',*,*,#131,.T.);
        #25 = ORIENTED_EDGE('',*,*,#132,.T.);
        #26 = ORIENTED_EDGE('',*,*,#133,.T.);
        #30 = PLANE('',#31);
        #31 = AXIS2_PLACEMENT_3D('',#32,#33,#34);
        #32 = CARTESIAN_POINT('',(1000.,1000.,0.));
        #33 = DIRECTION('',(0.,0.,1.));
        #34 = DIRECTION('',(1.,0.,0.));
        #40 = ADVANCED_FACE('',(#41),#60,.T.);
        #41 = FACE_BOUND('',#42,.T.);
        #42 = EDGE_LOOP('',(#43));
        #43 = ORIENTED_EDGE('',*,*,#140,.T.);
        #60 = CYLINDRICAL_SURFACE('',#144,2.);
        #100 = CARTESIAN_POINT('',(0.,0.,0.));
        #101 = CARTESIAN_POINT('',(10.,0.,0.));
        #102 = CARTESIAN_POINT('',(10.,5.,0.));
        #103 = CARTESIAN_POINT('',(0.,5.,0.));
        #110 = VERTEX_POINT('',#100);
        #111 = VERTEX_POINT('',#101);
        #112 = VERTEX_POINT('',#102);
        #113 = VERTEX_POINT('',#103);
        #120 = DIRECTION('',(1.,0.,0.));
        #121 = VECTOR('',#120,1.);
        #122 = LINE('',#199,#121);
        #199 = CARTESIAN_POINT('',(-500.,0.,0.));
        #130 = EDGE_CURVE('',#110,#111,#122,.T.);
        #131 = EDGE_CURVE('',#111,#112,#122,.T.);
        #132 = EDGE_CURVE('',#112,#113,#122,.T.);
        #133 = EDGE_CURVE('',#113,#110,#122,.T.);
        #140 = EDGE_CURVE('',#141,#141,#142,.T.);
        #141 = VERTEX_POINT('',#143);
        #142 = CIRCLE('',#144,2.);
        #143 = CARTESIAN_POINT('',(22.,0.,3.));
        #144 = AXIS2_PLACEMENT_3D('',#145,#33,#34);
        #145 = CARTESIAN_POINT('',(20.,0.,3.));
        """;

    public static string File(string data, string schema = "AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }") => $"""
        ISO-10303-21;
        HEADER;
        FILE_DESCRIPTION(('a test model'),'2;1');
        FILE_NAME('test.stp','2024-01-01T00:00:00',('author'),('org'),'pre','sys','');
        FILE_SCHEMA(('{schema}'));
        ENDSEC;
        DATA;
        {data}
        ENDSEC;
        END-ISO-10303-21;

        """;

    public static byte[] Bytes(string data, string schema = "AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }") =>
        Encoding.Latin1.GetBytes(File(data, schema));

    public static byte[] Millimetres(string data) => Bytes($"{Millimetre}\n{Context}\n{data}");

    /// <summary>
    /// A solid whose only edge is an arc of the circle of radius 2 around the origin in the XY
    /// plane, from (2,0,0) to (0,2,0), in the direction <paramref name="sameSense"/> gives.
    /// </summary>
    public static byte[] QuarterArc(bool sameSense) => Millimetres($"""
        #3 = ADVANCED_BREP_SHAPE_REPRESENTATION('part',(#10),#2);
        #10 = MANIFOLD_SOLID_BREP('arc',#11);
        #11 = CLOSED_SHELL('',(#20));
        #20 = ADVANCED_FACE('',(#21),#30,.T.);
        #21 = FACE_BOUND('',#22,.T.);
        #22 = EDGE_LOOP('',(#23));
        #23 = ORIENTED_EDGE('',*,*,#40,.T.);
        #30 = PLANE('',#31);
        #31 = AXIS2_PLACEMENT_3D('',#32,#33,#34);
        #32 = CARTESIAN_POINT('',(0.,0.,0.));
        #33 = DIRECTION('',(0.,0.,1.));
        #34 = DIRECTION('',(1.,0.,0.));
        #40 = EDGE_CURVE('',#41,#42,#45,{(sameSense ? ".T." : ".F.")});
        #41 = VERTEX_POINT('',#43);
        #42 = VERTEX_POINT('',#44);
        #43 = CARTESIAN_POINT('',(2.,0.,0.));
        #44 = CARTESIAN_POINT('',(0.,2.,0.));
        #45 = CIRCLE('',#31,2.);
        """);
}
