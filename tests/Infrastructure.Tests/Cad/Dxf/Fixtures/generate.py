#!/usr/bin/python3
"""Writes the DXF fixtures beside this file with Debian's python3-ezdxf and their
reference numbers (ezdxf_reference.json, by ../../../Corpus/ezdxf_reference.py).

The Debian corpus is plain 2D drawings; these files exercise what it lacks:
nested, rotated, mirrored and non-uniformly scaled block references with base
points, MINSERT grids, object coordinate systems, HATCH edge paths (clockwise
arcs, ellipse edges), R12 POLYLINE variants, binary DXF, dimensions, MTEXT
columns linked across entities, LEADER arrowheads and MULTILEADERs.

    /usr/bin/python3 generate.py
"""
import os
import subprocess
import sys
import ezdxf

here = os.path.dirname(os.path.abspath(__file__))
out = here + '/'

def base(ver='R2010'):
    doc=ezdxf.new(ver); return doc, doc.modelspace()

# 1 nested rotated/scaled/mirrored inserts with base points + arcs/ellipses/lwpolyline bulges
doc,msp=base()
a=doc.blocks.new('A', base_point=(2,1))
a.add_line((0,0),(5,0)); a.add_arc((1,1),3,20,250); a.add_circle((4,4),1.5)
a.add_lwpolyline([(0,0,0,0,0.7),(6,2,0,0,-1.3),(3,5)], format='xyseb', close=True)
a.add_ellipse((0,0), major_axis=(3,1), ratio=0.4, start_param=0.3, end_param=4.0)
b=doc.blocks.new('B', base_point=(-3,2,0))
b.add_blockref('A',(10,0),dxfattribs={'rotation':33,'xscale':2,'yscale':-1.5})
b.add_blockref('A',(0,10),dxfattribs={'rotation':120,'xscale':0.5,'yscale':0.5})
b.add_circle((0,0),2)
msp.add_blockref('B',(100,50),dxfattribs={'rotation':17,'xscale':1.2,'yscale':1.2})
msp.add_blockref('B',(-40,-20),dxfattribs={'rotation':90,'xscale':-1,'yscale':1})
msp.add_blockref('A',(0,0),dxfattribs={'rotation':0,'xscale':3,'yscale':0.25})
doc.saveas(out+'nested.dxf')

# 2 MINSERT rotated, and extruded entities
doc,msp=base()
c=doc.blocks.new('C'); c.add_circle((0,0),1); c.add_line((0,0),(2,0))
m=msp.add_blockref('C',(5,5),dxfattribs={'rotation':30})
m.dxf.column_count=4; m.dxf.row_count=3; m.dxf.column_spacing=6; m.dxf.row_spacing=4
msp.add_circle((3,4,2),5,dxfattribs={'extrusion':(0.3,-0.5,0.8)})
msp.add_arc((1,2,3),4,10,200,dxfattribs={'extrusion':(0,0,-1)})
msp.add_arc((1,2,3),4,300,40,dxfattribs={'extrusion':(0.01,0.001,1)})
msp.add_lwpolyline([(0,0,0,0,0.5),(10,0,0,0,0),(10,10,0,0,-2)],format='xyseb',dxfattribs={'extrusion':(1,1,1),'elevation':4})
msp.add_blockref('C',(0,0,0),dxfattribs={'extrusion':(0,1,1),'rotation':45,'xscale':2,'yscale':3,'zscale':4})
msp.add_solid([(0,0),(1,0),(0,1),(1,1)],dxfattribs={'extrusion':(0,0,-1)})
msp.add_trace([(20,0),(21,0),(20,-1)])
msp.add_3dface([(0,0,0),(1,0,5),(1,1,-3),(0,1,0)])
msp.add_ellipse((0,0,0),major_axis=(2,0,2),ratio=0.3,start_param=1,end_param=5,dxfattribs={'extrusion':(1,0,-1)})
doc.saveas(out+'minsert_ocs.dxf')

# 3 hatches
doc,msp=base()
h=msp.add_hatch(color=2)
h.paths.add_polyline_path([(0,0,0.5),(10,0,0),(10,10,-0.8),(0,10,0)],is_closed=True)
h2=msp.add_hatch()
ep=h2.paths.add_edge_path()
ep.add_line((20,0),(30,0)); ep.add_arc((30,5),5,-90,90,ccw=False); ep.add_line((30,10),(20,10))
ep.add_ellipse((20,5),major_axis=(0,5),ratio=0.4,start_angle=0,end_angle=180,ccw=True)
h3=msp.add_hatch(dxfattribs={'extrusion':(0,0,-1),'elevation':(0,0,2)})
ep=h3.paths.add_edge_path()
ep.add_arc((50,50),7,30,300,ccw=True)
ep.add_ellipse((60,60),major_axis=(4,3),ratio=0.5,start_angle=200,end_angle=100,ccw=False)
doc.saveas(out+'hatches.dxf')

# 4 R12 with polylines 2D/3D/polyface and paper space + attribs
doc,msp=base('R12')
msp.add_polyline2d([(0,0),(5,0),(5,5)],format='xy',dxfattribs={'closed':True})
p=msp.add_polyline2d([(0,0,0,0,1),(10,0,0,0,-0.5),(10,10,0,0,0)],format='xyseb')
p.dxf.elevation=(0,0,3)
msp.add_polyline3d([(1,2,3),(4,5,-6),(7,-8,9)])
pf=msp.add_polyface(); pf.append_face([(0,0,0),(1,0,0),(1,1,1)]); pf.append_face([(1,1,1),(2,3,4),(0,0,7)])
d=doc.blocks.new('D'); d.add_line((0,0),(1,1)); d.add_attdef('TAG',(0,0))
i=msp.add_blockref('D',(50,50)); i.add_attrib('TAG','hello',(200,200))
doc.layout('Layout1').add_line((0,0),(1000,1000))
msp.add_text('far',dxfattribs={'insert':(-300,-300)})
doc.saveas(out+'r12_polylines.dxf')

# 5 same as nested but binary
doc=ezdxf.readfile(out+'nested.dxf'); doc.saveas(out+'nested_binary.dxf', fmt='bin')
doc=ezdxf.readfile(out+'r12_polylines.dxf'); doc.saveas(out+'r12_binary.dxf', fmt='bin')

# 6 dimensions
doc,msp=base()
dim=msp.add_linear_dim(base=(3,2),p1=(0,0),p2=(10,0)); dim.render()
dim=msp.add_aligned_dim(p1=(0,0),p2=(10,10),distance=2); dim.render()
msp.add_radius_dim(center=(50,50),radius=10,angle=45).render()
doc.saveas(out+'dims.dxf')

# 7 MTEXT with static columns, R2013: the columns are separate MTEXT entities linked from the
#   first one's XDATA; AutoCAD and ezdxf list one MTEXT
doc,msp=base('R2013')
msp.add_line((0,0),(100,0))
msp.add_mtext_static_columns(["col one","col two","col three"], width=20, gutter_width=2, height=30, dxfattribs={'insert':(0,50)})
doc.saveas(out+'mtext_columns.dxf')

# 8 LEADER arrowheads sized by DIMSTYLE (DIMASZ x DIMSCALE), overridden by XDATA ACAD DSTYLE,
#   built-in arrow kinds and a user block as arrow; MULTILEADER with text, rotated, and block content
from ezdxf.render import mleader
from ezdxf.math import Vec2


def leader(name, vertices, style='BIGARROWS', override=None, setup=None):
    doc = ezdxf.new('R2013'); msp = doc.modelspace()
    ds = doc.dimstyles.new('BIGARROWS'); ds.dxf.dimasz = 3.0; ds.dxf.dimscale = 2.0
    if setup: setup(doc)
    l = msp.add_leader(vertices, dimstyle=style, override=override)
    doc.saveas(out + name)
    return l

leader('leader_style.dxf', [(10,10),(50,10),(60,20)])
leader('leader_dstyle_override.dxf', [(-5,40),(-5,60),(20,60)], override={'dimasz': 7.0})
leader('leader_dot.dxf', [(100,0),(130,0)], override={'dimldrblk': 'DOT'})
leader('leader_oblique.dxf', [(100,50),(100,20)], override={'dimldrblk': 'OBLIQUE', 'dimscale': 3})
leader('leader_box.dxf', [(60,-40),(80,-40)], override={'dimldrblk': 'BOXFILLED'})
leader('leader_datum.dxf', [(0,-60),(-30,-60)], override={'dimldrblk': 'DATUMFILLED'})
leader('leader_integral.dxf', [(-60,0),(-40,3)], override={'dimldrblk': 'INTEGRAL'})
leader('leader_origin2.dxf', [(-60,-20),(-40,-25)], override={'dimldrblk': 'ORIGIN2'})
leader('leader_closedblank.dxf', [(-60,-90),(-40,-90)], style='Standard', override={'dimldrblk': 'CLOSEDBLANK'})
def myarrow(doc):
    b = doc.blocks.new('MYARROW'); b.add_circle((0,0), 1.5); b.add_line((0,0),(-2,1))
leader('leader_block_arrow.dxf', [(200,0),(220,30)], override={'dimldrblk': 'MYARROW'}, setup=myarrow)

doc = ezdxf.new('R2013'); msp = doc.modelspace()
ml = msp.add_multileader_mtext('Standard')
ml.set_content('Part A', char_height=2.5)
ml.set_arrow_properties(size=4.0)
ml.add_leader_line(mleader.ConnectionSide.left, [Vec2(-20, -15), Vec2(-10, -5)])
ml.add_leader_line(mleader.ConnectionSide.right, [Vec2(40, -20)])
ml.build(insert=Vec2(0, 0))
doc.saveas(out + 'multileader_text.dxf')
doc = ezdxf.new('R2013'); msp = doc.modelspace()
ml = msp.add_multileader_mtext('Standard')
ml.set_content('Part B', char_height=2.5)
ml.set_arrow_properties(name='DOT', size=3.0)
ml.add_leader_line(mleader.ConnectionSide.left, [Vec2(60, 60), Vec2(70, 40)])
ml.build(insert=Vec2(100, 50), rotation=30)
doc.saveas(out + 'multileader_dot_rotated.dxf')
doc = ezdxf.new('R2013'); msp = doc.modelspace()
blk = doc.blocks.new('TAGBOX'); blk.add_lwpolyline([(0,0),(10,0),(10,5),(0,5)], close=True)
ml = msp.add_multileader_block('Standard')
ml.set_content('TAGBOX', scale=2.0)
ml.set_arrow_properties(name='BOXFILLED', size=5.0)
ml.add_leader_line(mleader.ConnectionSide.left, [Vec2(-80, 30)])
ml.add_leader_line(mleader.ConnectionSide.right, [Vec2(-10, 90)])
ml.build(insert=Vec2(-50, 60))
doc.saveas(out + 'multileader_block.dxf')

reference = os.path.join(here, '..', '..', '..', 'Corpus', 'ezdxf_reference.py')
files = sorted(os.path.join(here, f) for f in os.listdir(here) if f.endswith('.dxf'))
subprocess.run([sys.executable, reference, '--out', os.path.join(here, 'ezdxf_reference.json'), *files], check=True)
