// Independent reference for STEP and IGES extents: OpenCASCADE (Debian libocct-data-exchange-dev)
// reads each file given on the command line, transfers every root with its assembly placements,
// and prints one line per file:
//   <path>\t<solids>\t<xmin> <ymin> <zmin> <xmax> <ymax> <zmax>
// in millimetres. The box is BRepBndLib::AddOptimal on the exact geometry (no triangulation, no
// tolerance enlargement), so it is tight on curves and surfaces. A file OpenCASCADE cannot read
// prints "<path>\tERROR".
#include <BRepBndLib.hxx>
#include <Bnd_Box.hxx>
#include <IFSelect_ReturnStatus.hxx>
#include <IGESControl_Reader.hxx>
#include <Interface_Static.hxx>
#include <STEPControl_Reader.hxx>
#include <TopAbs_ShapeEnum.hxx>
#include <TopExp_Explorer.hxx>
#include <TopoDS_Shape.hxx>
#include <XSControl_Reader.hxx>

#include <cstdio>
#include <memory>
#include <string>

static bool EndsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int main(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
    {
        std::string path = argv[i];
        std::string lower = path;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::unique_ptr<XSControl_Reader> reader;
        if (EndsWith(lower, ".igs") || EndsWith(lower, ".iges"))
            reader = std::make_unique<IGESControl_Reader>();
        else
            reader = std::make_unique<STEPControl_Reader>();
        Interface_Static::SetCVal("xstep.cascade.unit", "MM");
        if (reader->ReadFile(path.c_str()) != IFSelect_RetDone)
        {
            std::printf("%s\tERROR\n", path.c_str());
            continue;
        }
        reader->TransferRoots();
        TopoDS_Shape shape = reader->OneShape();
        int solids = 0;
        for (TopExp_Explorer e(shape, TopAbs_SOLID); e.More(); e.Next()) ++solids;
        Bnd_Box box;
        BRepBndLib::AddOptimal(shape, box, false, false);
        if (box.IsVoid())
        {
            std::printf("%s\t%d\tVOID\n", path.c_str(), solids);
            continue;
        }
        double x0, y0, z0, x1, y1, z1;
        box.Get(x0, y0, z0, x1, y1, z1);
        std::printf("%s\t%d\t%.9g %.9g %.9g %.9g %.9g %.9g\n", path.c_str(), solids, x0, y0, z0, x1, y1, z1);
    }
    return 0;
}
